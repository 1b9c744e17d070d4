// Package golden pins the JSON shape of wire types to files checked in
// under testdata, so that any change to a body or envelope shows in review
// as a diff of the file. Tests pass -update (their own flag) to rewrite the
// files after an intended change.
package golden

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
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
