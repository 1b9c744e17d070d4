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
