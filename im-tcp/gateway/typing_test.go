package gateway

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

func TestTypingWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name string
		at   []time.Duration // offsets from t0
		want []bool
	}{
		{"start and stop pass", []time.Duration{0, 10 * time.Millisecond}, []bool{true, true}},
		{"third in a period dropped", []time.Duration{0, 1, 2}, []bool{true, true, false}},
		{"next period passes again", []time.Duration{0, 1, 2, typingPeriod + 2}, []bool{true, true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w typingWindow
			for i, d := range tt.at {
				if got := w.allow(t0.Add(d)); got != tt.want[i] {
					t.Errorf("frame %d at +%v: allow = %v, want %v", i, d, got, tt.want[i])
				}
			}
		})
	}
}

// TestTypingLimitedPerDevice: a burst of typing frames from one device
// publishes typingPerWindow of them, to the group's shard (in order with
// the conversation's other uplinks), and answers none.
func TestTypingLimitedPerDevice(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := login(t, g, "alice", device.IOS, "i1")
	before := len(tr.written())
	for range 10 {
		if !c.handle(t.Context(), packet.Client{Command: command.MessageTyping, Device: device.IOS, AppID: 7, IMEI: "i1",
			Body: []byte(`{"groupId":"g1","conversationType":1}`)}) {
			t.Fatal("connection ended")
		}
	}
	testwait.Until(t, 5*time.Second, "publish", func() bool { return len(pub.uplinks(t)) == typingPerWindow })
	want := mq.UplinkKey(mq.Shard(7, mq.GroupConversation("g1"), g.cfg.UplinkShards))
	for _, p := range pub.all() {
		if p.key != want {
			t.Errorf("published to %s/%s, want %s", p.exchange, p.key, want)
		}
	}
	if n := len(pub.uplinks(t)); n != typingPerWindow {
		t.Errorf("%d typing uplinks published, want %d", n, typingPerWindow)
	}
	if n := len(tr.written()) - before; n != 0 {
		t.Errorf("%d frames answered a dropped typing frame, want none", n)
	}
}
