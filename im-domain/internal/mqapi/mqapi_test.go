package mqapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

type fakeMsgs struct {
	calls []string
	err   error
}

func (f *fakeMsgs) Send(_ context.Context, in message.Send) (payload.AckData, error) {
	f.calls = append(f.calls, "send:"+in.Msg.MessageID+":"+in.Broker)
	return payload.AckData{}, f.err
}
func (f *fakeMsgs) ReceiveAck(context.Context, device.ID, payload.ReceiveAck) error {
	f.calls = append(f.calls, "recv")
	return f.err
}
func (f *fakeMsgs) Read(_ context.Context, _ device.ID, _ payload.Read, group bool) error {
	f.calls = append(f.calls, map[bool]string{false: "read", true: "groupRead"}[group])
	return f.err
}
func (f *fakeMsgs) Recall(context.Context, device.ID, string, payload.Recall) error {
	f.calls = append(f.calls, "recall")
	return f.err
}

func delivery(cmd command.Code, body string) rabbit.Delivery {
	up, _ := json.Marshal(mq.Uplink{Version: mq.Version, Command: cmd, Broker: "gw",
		From: device.ID{AppID: 1, UserID: "alice"}, Payload: json.RawMessage(body)})
	return rabbit.Delivery{Body: up}
}

func TestHandle_DispatchAndAckPolicy(t *testing.T) {
	tests := []struct {
		name      string
		d         rabbit.Delivery
		err       error
		call      string
		wantErr   bool
		permanent bool
	}{
		{"p2p", delivery(command.MessageP2P, `{"messageId":"m"}`), nil, "send:m:gw", false, false},
		{"group", delivery(command.GroupMessage, `{"messageId":"g"}`), nil, "send:g:gw", false, false},
		{"receive ack", delivery(command.MessageReceiveAck, `{}`), nil, "recv", false, false},
		{"read", delivery(command.MessageRead, `{}`), nil, "read", false, false},
		{"group read", delivery(command.GroupRead, `{}`), nil, "groupRead", false, false},
		{"recall", delivery(command.MessageRecall, `{}`), nil, "recall", false, false},
		{"refusal is acked", delivery(command.MessageP2P, `{}`), errcode.NotFriends, "send::gw", false, false},
		{"callback veto is acked", delivery(command.MessageP2P, `{}`), errcode.CallbackVeto.With("no"), "send::gw", false, false},
		{"transient is requeued", delivery(command.MessageP2P, `{}`), errors.New("redis down"), "send::gw", true, false},
		{"retryable code is requeued", delivery(command.MessageP2P, `{}`), errcode.Unavailable, "send::gw", true, false},
		{"unknown command is dropped", delivery(command.Code(1999), `{}`), nil, "", false, false},
		{"bad body is dropped", delivery(command.MessageP2P, `{"messageId":5}`), nil, "", false, false},
		{"bad envelope is dead-lettered", rabbit.Delivery{Body: []byte("nope")}, nil, "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeMsgs{err: tt.err}
			err := New(f, slog.New(slog.NewTextHandler(io.Discard, nil))).Handle(t.Context(), tt.d)
			if (err != nil) != tt.wantErr || errors.Is(err, rabbit.ErrPermanent) != tt.permanent {
				t.Fatalf("err = %v", err)
			}
			if got := append(f.calls, "")[0]; got != tt.call {
				t.Fatalf("calls = %v, want %q", f.calls, tt.call)
			}
		})
	}
}

// TestHandle_Batch: a gateway's batch is handled uplink by uplink, in
// order; a retryable failure requeues it, a refusal does not stop it.
func TestHandle_Batch(t *testing.T) {
	batch := func(ids ...string) rabbit.Delivery {
		b := mq.UplinkBatch{Version: mq.Version}
		for _, id := range ids {
			b.Uplinks = append(b.Uplinks, mq.Uplink{Version: mq.Version, Command: command.MessageP2P, Broker: "gw",
				From: device.ID{AppID: 1, UserID: "alice"}, Payload: json.RawMessage(`{"messageId":"` + id + `"}`)})
		}
		body, _ := json.Marshal(b)
		return rabbit.Delivery{Body: body}
	}
	tests := []struct {
		name    string
		err     error
		calls   int
		wantErr bool
	}{
		{"every uplink in order", nil, 3, false},
		{"refusals are acked one by one", errcode.NotFriends, 3, false},
		{"retryable failure requeues the batch", errors.New("redis down"), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeMsgs{err: tt.err}
			err := New(f, slog.New(slog.NewTextHandler(io.Discard, nil))).Handle(t.Context(), batch("a", "b", "c"))
			if (err != nil) != tt.wantErr || errors.Is(err, rabbit.ErrPermanent) {
				t.Fatalf("err = %v", err)
			}
			want := []string{"send:a:gw", "send:b:gw", "send:c:gw"}[:tt.calls]
			if fmt.Sprint(f.calls) != fmt.Sprint(want) {
				t.Fatalf("calls = %v, want %v", f.calls, want)
			}
		})
	}
}
