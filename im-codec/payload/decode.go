package payload

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Decode is json.Unmarshal for a client body, with the same result for
// every input, and a fast path for the two bodies of every chat message
// (Message and ReceiveAck): the gateway and the domain each decode both,
// and the reflective decoder was their largest JSON cost left. The fast
// path takes the common shape only (a flat object of plain strings,
// integers and booleans, keys spelled as the fields' tags) and leaves
// everything else (escapes, null, nested values, keys differing only in
// case, invalid UTF-8, errors) to encoding/json. v is changed only by a
// successful fast path or by encoding/json, never half by each.
func Decode(body []byte, v any) error {
	switch t := v.(type) {
	case *Message:
		m := *t // fields point into the copy, on the stack like them
		if fs, n := m.flatFields(); decodeFlat(body, fs[:n]) {
			*t = m
			return nil
		}
	case *ReceiveAck:
		a := *t
		if fs, n := a.flatFields(); decodeFlat(body, fs[:n]) {
			*t = a
			return nil
		}
	}
	return json.Unmarshal(body, v)
}

// flatField is one field the fast path fills: its JSON name and where its
// value goes (one of str, num, flag). The lists below must name every
// field of their type (a test compares them with the json tags).
type flatField struct {
	name string
	str  *string
	num  *int64
	flag *bool
}

// maxFlat bounds the fields of a fast-path type; flatFields return them
// by value so that nothing is allocated.
const maxFlat = 10

func (m *Message) flatFields() ([maxFlat]flatField, int) {
	return [maxFlat]flatField{
		{name: "messageId", str: &m.MessageID}, {name: "fromId", str: &m.FromID}, {name: "toId", str: &m.ToID},
		{name: "groupId", str: &m.GroupID}, {name: "messageBody", str: &m.MessageBody}, {name: "extra", str: &m.Extra},
		{name: "messageKey", num: &m.MessageKey}, {name: "messageSequence", num: &m.MessageSequence},
		{name: "messageTime", num: &m.MessageTime},
	}, 9
}

func (a *ReceiveAck) flatFields() ([maxFlat]flatField, int) {
	return [maxFlat]flatField{
		{name: "messageId", str: &a.MessageID}, {name: "messageKey", num: &a.MessageKey},
		{name: "messageSequence", num: &a.MessageSequence}, {name: "fromId", str: &a.FromID},
		{name: "toId", str: &a.ToID}, {name: "serverSend", flag: &a.ServerSend},
	}, 6
}

// set stores v in the field named key. A key naming no field is skipped,
// as encoding/json does, unless it matches a name case-insensitively,
// which the fast path leaves to encoding/json.
func set(fields []flatField, key []byte, v flatValue) bool {
	for _, f := range fields {
		if string(key) != f.name {
			continue
		}
		switch {
		case f.str != nil:
			return v.str(f.str)
		case f.num != nil:
			return v.int(f.num)
		}
		return v.bool(f.flag)
	}
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f.name)) {
			return false
		}
	}
	return true
}

// flatValue is one member's value as the fast path scanned it: the text
// of a string between its quotes (no escape, no control byte), or the
// literal of an integer, true, false or null.
type flatValue struct {
	text   []byte
	quoted bool
}

func (v flatValue) str(dst *string) bool {
	if !v.quoted || !utf8.Valid(v.text) { // encoding/json rewrites invalid UTF-8
		return false
	}
	*dst = string(v.text)
	return true
}

// int parses a JSON integer (the scanner let no other number through)
// that fits an int64; encoding/json refuses one that does not.
func (v flatValue) int(dst *int64) bool {
	if v.quoted || !jsonInteger(v.text) {
		return false
	}
	t := v.text
	neg := t[0] == '-'
	if neg {
		t = t[1:]
	}
	if len(t) > 19 {
		return false
	}
	var n uint64
	for _, c := range t {
		n = n*10 + uint64(c-'0')
	}
	switch {
	case neg && n <= 1<<63:
		*dst = -int64(n) // 1<<63 wraps to math.MinInt64, which is right
	case !neg && n < 1<<63:
		*dst = int64(n)
	default:
		return false
	}
	return true
}

func (v flatValue) bool(dst *bool) bool {
	if v.quoted || (string(v.text) != "true" && string(v.text) != "false") {
		return false
	}
	*dst = string(v.text) == "true"
	return true
}

// decodeFlat decodes body, a flat JSON object, into fields; the caller
// keeps the result only if it reports true (json.Unmarshal also keeps the
// fields a body does not name, so fields point into a copy of the value).
func decodeFlat(body []byte, fields []flatField) bool {
	s := flatScanner{b: body}
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return s.end()
	}
	for {
		key, ok := s.string()
		if !ok || !s.byte(':') {
			return false
		}
		val, ok := s.value()
		if !ok || !set(fields, key, val) {
			return false
		}
		if s.byte('}') {
			break
		}
		if !s.byte(',') {
			return false
		}
	}
	return s.end()
}

// flatScanner reads the JSON subset of the fast path; every method
// reports false on anything outside it.
type flatScanner struct {
	b   []byte
	off int
}

func (s *flatScanner) space() {
	for s.off < len(s.b) && (s.b[s.off] == ' ' || s.b[s.off] == '\t' || s.b[s.off] == '\n' || s.b[s.off] == '\r') {
		s.off++
	}
}

// byte consumes c, after optional whitespace.
func (s *flatScanner) byte(c byte) bool {
	s.space()
	if s.off < len(s.b) && s.b[s.off] == c {
		s.off++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *flatScanner) end() bool {
	s.space()
	return s.off == len(s.b)
}

// string reads a quoted string without escapes or control bytes.
func (s *flatScanner) string() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	start := s.off
	for ; s.off < len(s.b); s.off++ {
		switch c := s.b[s.off]; {
		case c == '"':
			s.off++
			return s.b[start : s.off-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// value reads a string, an integer, true, false or null.
func (s *flatScanner) value() (flatValue, bool) {
	s.space()
	if s.off < len(s.b) && s.b[s.off] == '"' {
		text, ok := s.string()
		return flatValue{text: text, quoted: true}, ok
	}
	start := s.off
	for s.off < len(s.b) && (s.b[s.off] == '-' || s.b[s.off] >= '0' && s.b[s.off] <= '9' || s.b[s.off] >= 'a' && s.b[s.off] <= 'z') {
		s.off++
	}
	text := s.b[start:s.off]
	switch {
	case string(text) == "true", string(text) == "false", string(text) == "null":
		return flatValue{text: text}, true
	case jsonInteger(text):
		return flatValue{text: text}, true
	}
	return flatValue{}, false
}

// jsonInteger reports whether t is a JSON number without fraction or
// exponent: -?(0|[1-9][0-9]*).
func jsonInteger(t []byte) bool {
	t = bytes.TrimPrefix(t, []byte("-"))
	if len(t) == 0 || (t[0] == '0' && len(t) > 1) {
		return false
	}
	for i := range len(t) {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}
