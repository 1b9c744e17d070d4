package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
)

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name  string
		rate  float64
		burst int
		at    []time.Duration // offsets of successive takes
		want  []bool
	}{
		{"burst then refuse", 1, 2, []time.Duration{0, 0, 0}, []bool{true, true, false}},
		{"refills over time", 2, 1, []time.Duration{0, 0, 500 * time.Millisecond}, []bool{true, false, true}},
		{"refill capped at burst", 10, 2, []time.Duration{0, time.Hour, time.Hour, time.Hour}, []bool{true, true, true, false}},
		{"disabled", 0, 0, []time.Duration{0, 0, 0}, []bool{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(tt.rate, tt.burst)
			for i, d := range tt.at {
				if got := l.allow(7, "u", t0.Add(d)); got != tt.want[i] {
					t.Errorf("take %d at %v = %v, want %v", i, d, got, tt.want[i])
				}
			}
			if !l.allow(7, "other", t0) {
				t.Error("users must not share buckets")
			}
		})
	}
}

func TestLimiterPrune(t *testing.T) {
	l := newLimiter(10, 20)
	t0 := time.Unix(1000, 0)
	l.allow(1, "a", t0)
	l.prune(t0.Add(time.Second))
	if len(l.users) != 1 {
		t.Fatal("pruned a bucket that was not full yet")
	}
	l.prune(t0.Add(2 * time.Second))
	if len(l.users) != 0 {
		t.Fatal("kept a full bucket")
	}
}

func TestEvictions(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	ttl := time.Minute
	nu := device.ID{AppID: 7, UserID: "u", Type: device.IOS, IMEI: "new"}
	live := func(broker string, typ device.Type, imei string) session.Session {
		return session.Session{Broker: broker, ClientType: typ, IMEI: imei, LoginTime: 1, Seen: now.UnixMilli()}
	}
	field := func(s session.Session) string { return device.ID{Type: s.ClientType, IMEI: s.IMEI}.Field() }
	tests := []struct {
		name   string
		policy device.Policy
		before []session.Session
		want   []string // "field kick|quiet"
	}{
		{"one device kicks web elsewhere", device.PolicyOneDevice, []session.Session{live("b2", device.Web, "w")}, []string{"1:w kick"}},
		{"unlimited keeps all", device.PolicyUnlimited, []session.Session{live("b1", device.Android, "a")}, nil},
		{"mobile+desktop: android displaced by ios", device.PolicyMobileDesktop,
			[]session.Session{live("b1", device.Android, "a"), live("b1", device.Mac, "m")}, []string{"3:a kick"}},
		{"same device here: hub replaces it", device.PolicyOneDevice, []session.Session{live("b1", device.IOS, "new")}, nil},
		{"same device elsewhere: closed quietly", device.PolicyOneDevice, []session.Session{live("b2", device.IOS, "new")}, []string{"2:new quiet"}},
		{"stale session dropped quietly", device.PolicyUnlimited,
			[]session.Session{{Broker: "b9", ClientType: device.Web, IMEI: "w", Seen: now.Add(-2 * ttl).UnixMilli()}}, []string{"1:w quiet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]session.Session{}
			for _, s := range tt.before {
				before[field(s)] = s
			}
			var got []string
			for _, ev := range evictions(nu, "b1", tt.policy, before, now, ttl) {
				mode := "quiet"
				if ev.kick {
					mode = "kick"
				}
				got = append(got, ev.id.Field()+" "+mode)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("evictions = %v, want %v", got, tt.want)
			}
		})
	}
}

// login connects a fake transport as user u with a fresh sign.
func login(t *testing.T, g *Gateway, user string, typ device.Type, imei string) (*conn, *fakeTransport) {
	t.Helper()
	tr := newFakeTransport()
	c := newConn(g, tr, "10.0.0.1", time.Now())
	if err := g.hub.add(c, 100, 0); err != nil {
		t.Fatal(err)
	}
	sign, _ := usersign.Generate([]byte("s"), 7, user, time.Now(), time.Hour)
	body, _ := json.Marshal(payload.Login{UserID: user, UserSign: sign})
	if !c.handle(t.Context(), packet.Client{Command: command.Login, Device: typ, AppID: 7, IMEI: imei, Body: body}) {
		t.Fatalf("login refused: %v", lastData(t, tr, command.LoginAck))
	}
	if got := lastData(t, tr, command.LoginAck)["code"]; got != float64(200) {
		t.Fatalf("login ack code = %v", got)
	}
	return c, tr
}

func TestDispatch(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := login(t, g, "alice", device.IOS, "i1")
	msg := func(body string) packet.Client {
		return packet.Client{Command: command.MessageP2P, Device: device.IOS, AppID: 7, IMEI: "i1", Body: []byte(body)}
	}
	tests := []struct {
		name string
		p    packet.Client
		cmd  command.Code // reply command
		code float64
	}{
		{"unknown command", packet.Client{Command: 4242, AppID: 7, Body: []byte("{}")}, command.ErrorNotice, 1004},
		{"server-only command", packet.Client{Command: command.MessageAck, AppID: 7}, command.ErrorNotice, 1004},
		{"forged fromId", msg(`{"messageId":"m1","fromId":"bob","toId":"carol"}`), command.MessageAck, 7001},
		{"wrong appId", packet.Client{Command: command.MessageP2P, AppID: 8, Body: []byte(`{"messageId":"m2","toId":"b"}`)}, command.MessageAck, 2004},
		{"not an object", msg(`[1]`), command.MessageAck, 1001},
		{"unsupported format", packet.Client{Command: command.MessageRead, AppID: 7, Format: packet.XML, Body: []byte("<x/>")}, command.ErrorNotice, 1007},
		{"group send without groupId", packet.Client{Command: command.GroupMessage, AppID: 7, Body: []byte(`{"messageId":"g"}`)}, command.GroupMessageAck, 1002},
		{"second login", packet.Client{Command: command.Login, AppID: 7, Body: []byte(`{}`)}, command.ErrorNotice, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tr.written())
			if !c.handle(t.Context(), tt.p) {
				t.Fatal("connection ended")
			}
			testwait.Until(t, 5*time.Second, "reply", func() bool { return len(tr.written()) > before })
			if d := lastData(t, tr, tt.cmd); d["code"] != tt.code {
				t.Errorf("reply %v code = %v, want %v", tt.cmd, d["code"], tt.code)
			}
		})
	}
	if len(pub.got) != 0 {
		t.Fatalf("refused frames were published: %d", len(pub.got))
	}
	t.Run("routed", func(t *testing.T) {
		if !c.handle(t.Context(), msg(`{"messageId":"ok","fromId":"alice","toId":"bob"}`)) {
			t.Fatal("connection ended")
		}
		var up mq.Uplink
		if len(pub.got) != 1 || json.Unmarshal(pub.got[0].body, &up) != nil {
			t.Fatalf("published %v", pub.got)
		}
		want := mq.UplinkKey(mq.Shard(7, mq.P2PConversation("alice", "bob"), g.cfg.UplinkShards))
		if pub.got[0].exchange != mq.ExchangeUplink || pub.got[0].key != want || up.From != c.id || up.Broker != "b1" {
			t.Errorf("published to %s/%s from %+v", pub.got[0].exchange, pub.got[0].key, up.From)
		}
	})
	t.Run("publish failure is retryable", func(t *testing.T) {
		pub.fail = errors.New("broker down")
		n := len(tr.written())
		c.handle(t.Context(), msg(`{"messageId":"m9","toId":"bob"}`))
		testwait.Until(t, 5*time.Second, "ack", func() bool { return len(tr.written()) > n })
		d := lastData(t, tr, command.MessageAck)
		if d["code"] != float64(errcode.Unavailable.Code) || d["data"].(map[string]any)["messageId"] != "m9" {
			t.Errorf("ack = %v", d)
		}
		pub.fail = context.DeadlineExceeded
		n = len(tr.written())
		c.handle(t.Context(), msg(`{"messageId":"m10","toId":"bob"}`))
		testwait.Until(t, 5*time.Second, "ack", func() bool { return len(tr.written()) > n })
		if d := lastData(t, tr, command.MessageAck); d["code"] != float64(errcode.Timeout.Code) {
			t.Errorf("ack = %v", d)
		}
	})
}

func TestDispatchBeforeLogin(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	tr := newFakeTransport()
	c := newConn(g, tr, "ip", time.Now())
	if !c.handle(t.Context(), packet.Client{Command: command.MessageP2P, AppID: 7, Body: []byte(`{"messageId":"x","toId":"b"}`)}) {
		t.Fatal("unauthenticated send closed the connection")
	}
	if d := lastData(t, tr, command.MessageAck); d["code"] != float64(errcode.Unauthenticated.Code) {
		t.Errorf("ack = %v", d)
	}
	c.handle(t.Context(), packet.Client{Command: command.Ping, AppID: 7})
	lastData(t, tr, command.Ping)
	sign, _ := usersign.Generate([]byte("s"), 7, "u", time.Now().Add(-2*time.Hour), time.Hour)
	body, _ := json.Marshal(payload.Login{UserID: "u", UserSign: sign})
	if c.handle(t.Context(), packet.Client{Command: command.Login, AppID: 7, Device: device.Web, IMEI: "w", Body: body}) {
		t.Fatal("expired sign kept the connection")
	}
	if d := lastData(t, tr, command.LoginAck); d["code"] != float64(errcode.SignExpired.Code) {
		t.Errorf("login ack = %v", d)
	}
	testwait.Until(t, 5*time.Second, "close after the ack", tr.isClosed)
	if len(pub.got) != 0 {
		t.Fatal("published before login")
	}
}

func TestPolicyKicksLocalDevice(t *testing.T) {
	g, _, ss := testGateway(t, device.PolicyOneDevice)
	old, oldTr := login(t, g, "u", device.Android, "a")
	_, _ = login(t, g, "u", device.Web, "w")
	if d := lastData(t, oldTr, command.MutualLogin); d["code"] != float64(errcode.Kicked.Code) {
		t.Errorf("kick data = %v", d)
	}
	testwait.Until(t, 5*time.Second, "kicked connection closed", oldTr.isClosed)
	if _, ok := ss.m[session.Key(7, "u")][old.id.Field()]; ok {
		t.Error("displaced session still stored")
	}
	// The same device reconnecting replaces itself without a 9002.
	again, againTr := login(t, g, "u", device.Web, "w")
	_ = again
	if len(againTr.written()) != 1 {
		t.Errorf("reconnect got %d frames", len(againTr.written()))
	}
}

// pingFrame is a small downlink frame for the writer tests.
var pingFrame = packet.Server{Command: command.Ping, Body: []byte("{}")}.Append(nil)

func TestWriterBackpressure(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	tr := newFakeTransport()
	tr.block = make(chan struct{})
	c := newConn(g, tr, "ip", time.Now())
	if !c.send(pingFrame, false) {
		t.Fatal("first frame refused")
	}
	// Wait until the writer took the first frame and blocks on it, so the
	// queue is empty and its capacity is exact.
	testwait.Until(t, 5*time.Second, "writer blocked", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.queue) == 0
	})

	sent := 0
	for range g.cfg.WriteQueue + 1 { // WriteQueue fit, one too many
		if c.send(pingFrame, false) {
			sent++
		}
	}
	if sent != g.cfg.WriteQueue {
		t.Fatalf("queued %d frames with a queue of %d", sent, g.cfg.WriteQueue)
	}
	testwait.Until(t, 5*time.Second, "slow consumer closed", tr.isClosed)
	if c.send(pingFrame, false) {
		t.Error("send accepted after close")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queue != nil {
		t.Error("closed connection still holds its queue")
	}
}

func TestWriterExitsWhenIdle(t *testing.T) {
	g, _, _ := testGateway(t, device.PolicyUnlimited)
	tr := newFakeTransport()
	c := newConn(g, tr, "ip", time.Now())
	c.send(pingFrame, false)
	testwait.Until(t, 5*time.Second, "writer idle", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing && len(tr.written()) == 1
	})

}

// TestRefusedSendEchoesMessageID: a refused send is answered with its
// up-ACK naming the message, in the envelope and in the data, even when
// its body decoded only in part.
func TestRefusedSendEchoesMessageID(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := login(t, g, "alice", device.IOS, "i1")
	tests := []struct {
		name, body, id string
		code           errcode.Code
	}{
		{"field of the wrong type", `{"messageId":"m3","toId":"bob","messageBody":5}`, "m3", errcode.MalformedJSON.Code},
		{"missing toId", `{"messageId":"m4"}`, "m4", errcode.MissingField.Code},
		{"not JSON", `{"messageId":"m5",`, "", errcode.MalformedJSON.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(tr.written())
			c.handle(t.Context(), packet.Client{Command: command.MessageP2P, AppID: 7, Body: []byte(tt.body)})
			testwait.Until(t, 5*time.Second, "ack", func() bool { return len(tr.written()) > n })
			var env payload.Envelope
			var ack payload.MessageAck
			f := tr.written()[n]
			if err := json.Unmarshal(f.Body, &env); err != nil || json.Unmarshal(env.Data, &ack) != nil {
				t.Fatalf("undecodable ack %s", f.Body)
			}
			want := payload.Envelope{Command: command.MessageAck, AppID: 7, UserID: "alice", ToID: "alice",
				ClientType: device.IOS, IMEI: "i1", MessageID: tt.id}
			env.Data = nil
			if f.Command != command.MessageAck || !reflect.DeepEqual(env, want) || ack.Code != tt.code || ack.Data == nil || ack.Data.MessageID != tt.id {
				t.Errorf("ack %v %+v data %+v", f.Command, env, ack)
			}
		})
	}
	if len(pub.got) != 0 {
		t.Fatal("a refused send was published")
	}
}
