package payload

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The fast path must know every field: one it did not would be skipped as
// an unknown key, silently.
func TestDecode_FastPathNamesEveryField(t *testing.T) {
	for _, v := range []interface {
		flatFields() ([maxFlat]flatField, int)
	}{&Message{}, &ReceiveAck{}} {
		typ := reflect.TypeOf(v).Elem()
		var tags []string
		for i := range typ.NumField() {
			tags = append(tags, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
		}
		var names []string
		for _, f := range fields(v.flatFields()) {
			names = append(names, f.name)
		}
		if !reflect.DeepEqual(names, tags) {
			t.Errorf("%s: fast path fields %v, json tags %v", typ, names, tags)
		}
	}
}

// What the fast path takes and what it leaves to encoding/json; either
// way Decode gives json.Unmarshal's result.
func TestDecode_SameAsEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		fast bool
	}{
		{"typical message", `{"messageId":"m-1","toId":"bob","messageBody":"hi there é 中"}`, true},
		{"every field", ` { "messageId" : "m", "fromId":"a", "toId":"b","groupId":"g","messageBody":"x","extra":"{}",` +
			`"messageKey":-9223372036854775808,"messageSequence":9223372036854775807,"messageTime":0 } `, true},
		{"empty object", `{}`, true},
		{"duplicate key: the last wins", `{"messageId":"a","messageId":"b"}`, true},
		{"unknown keys skipped", `{"messageId":"a","appId":10000,"clientType":3,"ok":true,"nothing":null,"x":"y"}`, true},
		{"receive ack", `{"messageId":"m","messageKey":5,"messageSequence":7,"fromId":"b","toId":"a","serverSend":false}`, true},
		{"escaped string", `{"messageId":"a\"b"}`, false},
		{"escaped key", `{"message\u0049d":"a"}`, false},
		{"key in another case", `{"MESSAGEID":"a"}`, false},
		{"key folding to a field (long s)", `{"meſſageId":"a"}`, false},
		{"null field", `{"messageId":null}`, false},
		{"nested value", `{"messageId":"a","x":{"y":1}}`, false},
		{"array", `[]`, false},
		{"float", `{"messageKey":1.5}`, false},
		{"exponent", `{"messageKey":1e3}`, false},
		{"leading zero", `{"messageKey":01}`, false},
		{"overflow", `{"messageKey":9223372036854775808}`, false},
		{"number as string", `{"messageKey":"5"}`, false},
		{"string as number", `{"messageId":5}`, false},
		{"bool as number", `{"serverSend":1}`, false},
		{"invalid UTF-8", "{\"messageBody\":\"\xff\"}", false},
		{"control byte", "{\"messageBody\":\"a\x01\"}", false},
		{"trailing comma", `{"messageId":"a",}`, false},
		{"trailing bytes", `{"messageId":"a"}x`, false},
		{"two objects", `{}{}`, false},
		{"truncated", `{"messageId":"a"`, false},
		{"empty", ``, false},
		{"bare word", `{"x":nul}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{MessageID: "kept", MessageKey: 1}
			if ok := decodeFlat([]byte(tt.body), fields(m.flatFields())); ok != tt.fast && !strings.Contains(tt.body, "serverSend") {
				t.Errorf("fast path took it: %v, want %v", ok, tt.fast)
			}
			a := ReceiveAck{MessageID: "kept"}
			if ok := decodeFlat([]byte(tt.body), fields(a.flatFields())); ok != tt.fast && strings.Contains(tt.body, "serverSend") {
				t.Errorf("fast path took it: %v, want %v", ok, tt.fast)
			}
			sameAsJSON(t, []byte(tt.body))
		})
	}
}

func fields(fs [maxFlat]flatField, n int) []flatField { return fs[:n] }

// sameAsJSON checks Decode against json.Unmarshal for both fast types,
// starting from non-zero values (json.Unmarshal keeps unnamed fields).
func sameAsJSON(t *testing.T, body []byte) {
	t.Helper()
	m0 := Message{MessageID: "kept", ToID: "t", MessageKey: 1, MessageTime: 2}
	m1, m2 := m0, m0
	e1, e2 := json.Unmarshal(body, &m1), Decode(body, &m2)
	if (e1 == nil) != (e2 == nil) || m1 != m2 {
		t.Fatalf("Message from %q: json %+v (%v), Decode %+v (%v)", body, m1, e1, m2, e2)
	}
	a0 := ReceiveAck{MessageID: "kept", MessageSequence: 3, ServerSend: true}
	a1, a2 := a0, a0
	e1, e2 = json.Unmarshal(body, &a1), Decode(body, &a2)
	if (e1 == nil) != (e2 == nil) || a1 != a2 {
		t.Fatalf("ReceiveAck from %q: json %+v (%v), Decode %+v (%v)", body, a1, e1, a2, e2)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"messageId":"m-1","toId":"bob","messageBody":"hi"}`,
		`{"messageId":"m","messageKey":5,"messageSequence":7,"fromId":"b","toId":"a","serverSend":true}`,
		`{"MessageId":"a","x":null,"messageTime":-0}`, `{"messageKey":-01}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { sameAsJSON(t, body) })
}

// BenchmarkDecode compares Decode's fast path with encoding/json on the
// body of a chat message.
func BenchmarkDecode(b *testing.B) {
	body := []byte(`{"messageId":"0d0f5a6e-1b7c-4a4e-9f3e-2f2c3b1a9d01","toId":"receiver-12","messageBody":"hello there, this is a typical short chat message"}`)
	for _, bb := range []struct {
		name string
		dec  func([]byte, any) error
	}{{"json", json.Unmarshal}, {"fast", Decode}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m Message
				if err := bb.dec(body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
