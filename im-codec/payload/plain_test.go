package payload

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// TestAppendPlainMatchesEncoder: the fast path writes exactly what
// encoding/json writes, and hands every envelope it cannot write that way
// back to it.
func TestAppendPlainMatchesEncoder(t *testing.T) {
	base := Envelope{Command: command.MessageP2P, AppID: 4294967295, UserID: "alice-01", ToID: "bob",
		ClientType: device.Android, IMEI: "imei 7", MessageID: "m-1"}
	tests := []struct {
		name  string
		edit  func(*Envelope)
		plain bool
	}{
		{"plain", func(*Envelope) {}, true},
		{"nil data", func(e *Envelope) { e.Data = nil }, true},
		{"data with spaces and html", func(e *Envelope) { e.Data = json.RawMessage(" { \"m\" : \"a <b> & c\\n\" , \"n\":[1, 2] } ") }, true},
		{"data with U+2028", func(e *Envelope) { e.Data = json.RawMessage("{\"m\":\"a\u2028b\"}") }, true},
		{"empty strings", func(e *Envelope) { e.UserID, e.ToID, e.IMEI, e.MessageID = "", "", "", "" }, true},
		{"quote in an id", func(e *Envelope) { e.UserID = `a"b` }, false},
		{"backslash in an imei", func(e *Envelope) { e.IMEI = `a\b` }, false},
		{"control byte", func(e *Envelope) { e.ToID = "a\tb" }, false},
		{"non-ASCII id", func(e *Envelope) { e.MessageID = "é\u2028" }, false},
		{"invalid UTF-8", func(e *Envelope) { e.UserID = "\xff" }, false},
		{"invalid data", func(e *Envelope) { e.Data = json.RawMessage("{oops") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			e.Data = json.RawMessage(`{"messageBody":"hi"}`)
			tt.edit(&e)
			got, ok := appendPlain([]byte("x"), &e)
			if ok != tt.plain {
				t.Fatalf("plain = %v, want %v", ok, tt.plain)
			}
			if !ok {
				return
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&e); err != nil {
				t.Fatal(err)
			}
			if w := append([]byte("x"), bytes.TrimSuffix(want.Bytes(), []byte("\n"))...); !bytes.Equal(got, w) {
				t.Errorf("got  %s\nwant %s", got, w)
			}
		})
	}
}

// TestFanoutMatchesAppendEnvelope: a fanned-out frame is byte for byte the
// frame AppendEnvelope writes for the same device, plain or not.
func TestFanoutMatchesAppendEnvelope(t *testing.T) {
	event := Envelope{Command: command.GroupMessage, ToID: "g1", MessageID: "m-1",
		Data: json.RawMessage(` {"groupId": "g1", "messageBody": "hi <all>"} `)}
	devices := []device.ID{
		{AppID: 7, UserID: "alice", Type: device.IOS, IMEI: "i1"},
		{AppID: 7, UserID: "b\"ob", Type: device.Web, IMEI: "w"},
		{AppID: 8, UserID: "carol", Type: device.Android, IMEI: "é"},
	}
	tests := []struct {
		name string
		edit func(*Envelope)
	}{
		{"plain event", func(*Envelope) {}},
		{"nil data", func(e *Envelope) { e.Data = nil }},
		{"escaped message id", func(e *Envelope) { e.MessageID = "m\\1" }},
		{"invalid data", func(e *Envelope) { e.Data = json.RawMessage("{oops") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := event
			tt.edit(&e)
			f := NewFanout(e)
			for _, to := range devices {
				one := e
				one.AppID, one.UserID, one.ClientType, one.IMEI = to.AppID, to.UserID, to.Type, to.IMEI
				want, wantErr := AppendEnvelope([]byte("x"), one)
				got, err := f.Append([]byte("x"), to)
				if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
					t.Errorf("%s: got %q (%v)\nwant %q (%v)", to.UserID, got, err, want, wantErr)
				}
			}
		})
	}
}
