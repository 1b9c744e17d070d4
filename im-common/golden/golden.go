// Package golden pins the JSON shape of wire types, and the bytes of binary
// encodings, to files checked in under testdata, so that any change to a
// body or envelope shows in review as a diff of the file. Tests pass -update (their own flag) to rewrite the
// files after an intended change.
package golden

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// JSON compares v's indented JSON with testdata/<name>.golden.json, first
// rewriting the file when update is set. It also decodes the file back into
// a new value of v's type, refusing unknown fields, and re-encodes it: a
// field the type cannot read back fails too.
func JSON(t testing.TB, update bool, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		t.Errorf("%s changed:\n got %s\nwant %s", name, got, want)
	}
	back := reflect.New(reflect.TypeOf(v)).Interface()
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(back); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// Compare re-encoded, not DeepEqual: a RawMessage keeps the file's
	// indentation.
	again, err := json.MarshalIndent(back, "", "  ")
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("%s does not round-trip: %s (%v)", name, again, err)
	}
}

// Bytes compares got with testdata/<name>.golden.hex, a hex dump of the
// bytes (so a change shows in review as a readable diff), first rewriting
// the file when update is set. It returns the bytes the file holds, for
// the caller to decode back.
func Bytes(t testing.TB, update bool, name string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.hex")
	if update {
		if err := os.WriteFile(path, []byte(hex.Dump(got)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dump, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseDump(string(dump))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed:\n got\n%s\nwant\n%s", name, hex.Dump(got), dump)
	}
	return want
}

// parseDump reads back hex.Dump's output: an offset, up to 16 hex bytes,
// then the |ascii| column, which may itself hold '|'.
func parseDump(dump string) ([]byte, error) {
	var out []byte
	dump = strings.TrimSpace(dump)
	if dump == "" {
		return nil, nil
	}
	for _, line := range strings.Split(dump, "\n") {
		bar := strings.IndexByte(line, '|')
		if bar < 0 {
			return nil, fmt.Errorf("line %q: no ascii column", line)
		}
		fields := strings.Fields(line[:bar])
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %q: no bytes", line)
		}
		b, err := hex.DecodeString(strings.Join(fields[1:], ""))
		if err != nil {
			return nil, fmt.Errorf("line %q: %w", line, err)
		}
		out = append(out, b...)
	}
	return out, nil
}
