package mqapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// fakeBatch records what HandleBatch put into the batch.
type fakeBatch struct {
	calls []string
	err   error
}

func (f *fakeBatch) Send(in message.Send) {
	f.calls = append(f.calls, "send:"+in.Msg.MessageID+":"+in.Broker)
}
func (f *fakeBatch) ReceiveAck(device.ID, payload.ReceiveAck) { f.calls = append(f.calls, "recv") }
func (f *fakeBatch) Read(_ device.ID, _ payload.Read, group bool) {
	f.calls = append(f.calls, map[bool]string{false: "read", true: "groupRead"}[group])
}
func (f *fakeBatch) Recall(device.ID, string, payload.Recall) { f.calls = append(f.calls, "recall") }
func (f *fakeBatch) Edit(device.ID, string, payload.Edit)     { f.calls = append(f.calls, "edit") }
func (f *fakeBatch) Typing(device.ID, payload.Typing)         { f.calls = append(f.calls, "typing") }
func (f *fakeBatch) Run(context.Context) error                { return f.err }

func delivery(cmd command.Code, body string) mq.Delivery {
	up, _ := json.Marshal(uplink(cmd, body))
	return mq.Delivery{Body: up}
}

func uplink(cmd command.Code, body string) mq.Uplink {
	return mq.Uplink{Version: mq.Version, Command: cmd, Broker: "gw",
		From: device.ID{AppID: 1, UserID: "alice"}, Payload: json.RawMessage(body)}
}

// handler returns a Handler over f whose dead letters go to dead.
func handler(f *fakeBatch, dead *[]string) *Handler {
	return New(func() Batch { return f }, func(_ context.Context, body []byte, _ string) error {
		*dead = append(*dead, string(body))
		return nil
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestHandleBatch_DispatchAndAckPolicy(t *testing.T) {
	tests := []struct {
		name    string
		d       mq.Delivery
		err     error
		call    string
		wantErr bool
		dead    bool
	}{
		{"p2p", delivery(command.MessageP2P, `{"messageId":"m"}`), nil, "send:m:gw", false, false},
		{"group", delivery(command.GroupMessage, `{"messageId":"g"}`), nil, "send:g:gw", false, false},
		{"receive ack", delivery(command.MessageReceiveAck, `{}`), nil, "recv", false, false},
		{"read", delivery(command.MessageRead, `{}`), nil, "read", false, false},
		{"group read", delivery(command.GroupRead, `{}`), nil, "groupRead", false, false},
		{"recall", delivery(command.MessageRecall, `{}`), nil, "recall", false, false},
		{"edit", delivery(command.MessageEdit, `{}`), nil, "edit", false, false},
		{"typing", delivery(command.MessageTyping, `{}`), nil, "typing", false, false},
		{"transient is requeued", delivery(command.MessageP2P, `{}`), errors.New("redis down"), "send::gw", true, false},
		{"unknown command is dropped", delivery(command.Code(1999), `{}`), nil, "", false, false},
		{"bad body is dropped", delivery(command.MessageP2P, `{"messageId":5}`), nil, "", false, false},
		{"bad envelope is dead-lettered", mq.Delivery{Body: []byte("nope")}, nil, "", false, true},
		{"unknown version is dead-lettered", mq.Delivery{Body: []byte(`{"v":9}`)}, nil, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeBatch{err: tt.err}
			var dead []string
			err := handler(f, &dead).HandleBatch(t.Context(), []mq.Delivery{tt.d})
			if (err != nil) != tt.wantErr || (len(dead) == 1) != tt.dead {
				t.Fatalf("err = %v, dead letters %v", err, dead)
			}
			if got := append(f.calls, "")[0]; got != tt.call {
				t.Fatalf("calls = %v, want %q", f.calls, tt.call)
			}
		})
	}
}

// A batch of deliveries, single JSON uplinks (from an older gateway) and
// binary uplink batches mixed, becomes one message batch in queue order; a
// poison delivery among them is set aside alone.
func TestHandleBatch_OneBatchInQueueOrder(t *testing.T) {
	multi := mq.AppendUplinks(nil, []mq.Uplink{
		uplink(command.MessageP2P, `{"messageId":"b"}`), uplink(command.MessageReceiveAck, `{}`),
		uplink(command.MessageP2P, `{"messageId":"c"}`)})
	ds := []mq.Delivery{delivery(command.MessageP2P, `{"messageId":"a"}`), {Body: []byte("{")},
		{Body: multi}, delivery(command.MessageP2P, `{"messageId":"d"}`)}
	f := &fakeBatch{}
	var dead []string
	if err := handler(f, &dead).HandleBatch(t.Context(), ds); err != nil {
		t.Fatal(err)
	}
	want := []string{"send:a:gw", "send:b:gw", "recv", "send:c:gw", "send:d:gw"}
	if !slices.Equal(f.calls, want) || !slices.Equal(dead, []string{"{"}) {
		t.Fatalf("calls %v, dead %v", f.calls, dead)
	}
}
