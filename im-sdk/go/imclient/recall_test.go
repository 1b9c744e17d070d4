package imclient

import (
	"encoding/json"
	"net"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// recallServer answers 1050 with 1051: refused with 6002 for key 13, else
// success; the requests are recorded.
func recallServer(t *testing.T, nc net.Conn, got chan<- payload.Recall) {
	r := packet.NewReader(nc, packet.DefaultLimits())
	go func() {
		for {
			p, err := r.ReadClient()
			if err != nil {
				return
			}
			if p.Command != command.MessageRecall {
				continue
			}
			var rc payload.Recall
			_ = json.Unmarshal(p.Body, &rc)
			got <- rc
			ack := payload.MessageAck{Code: errcode.Success.Code,
				Data: &payload.AckData{MessageID: rc.MessageID, MessageKey: rc.MessageKey}}
			if rc.MessageKey == 13 {
				ack.Code, ack.Msg = errcode.RecallNotAllowed.Code, errcode.RecallNotAllowed.Message
			}
			send(t, nc, command.MessageRecallAck, rc.MessageID, ack)
		}
	}()
}

func TestRecall(t *testing.T) {
	tests := []struct {
		name     string
		in       payload.Recall
		wantCode errcode.Code
		wantType payload.ConversationType
	}{
		{"1:1 accepted", payload.Recall{MessageKey: 7, ToID: "bob"}, errcode.Success.Code, payload.P2P},
		{"group accepted", payload.Recall{MessageKey: 8, GroupID: "g1"}, errcode.Success.Code, payload.Group},
		{"refused", payload.Recall{MessageID: "mine", MessageKey: 13, ToID: "bob"}, errcode.RecallNotAllowed.Code, payload.P2P},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := net.Pipe()
			got := make(chan payload.Recall, 4)
			recallServer(t, srv, got)
			c := New(cli, Device{AppID: 42, Type: device.Android, IMEI: "phone"})
			t.Cleanup(func() { c.Close(); srv.Close() })
			ack, err := c.Recall(ctx(t), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			req := <-got
			if req.MessageID == "" || (tc.in.MessageID != "" && req.MessageID != tc.in.MessageID) {
				t.Fatalf("request messageId %q", req.MessageID)
			}
			if req.MessageKey != tc.in.MessageKey || req.ConversationType != tc.wantType {
				t.Fatalf("request %+v, want key %d type %v", req, tc.in.MessageKey, tc.wantType)
			}
			if ack.Code != tc.wantCode || ack.MessageID != req.MessageID || ack.Key != tc.in.MessageKey {
				t.Fatalf("ack %+v, want code %d for %s", ack, tc.wantCode, req.MessageID)
			}
			if (ack.Err() == nil) != (tc.wantCode == errcode.Success.Code) {
				t.Fatalf("ack.Err() = %v", ack.Err())
			}
		})
	}
}
