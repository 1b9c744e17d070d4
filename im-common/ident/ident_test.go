package ident_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
)

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		valid    bool
	}{
		{"plain", "x2", true},
		{"upper case is its own id", "X2", true},
		{"inner space", "x 2", false},
		{"NFC e acute", "caf\u00e9", true},
		{"NFD e + combining acute", "cafe\u0301", true},
		{"full-width letters", "\uff58\uff12", true},
		{"CJK", "用户二", true},
		{"max length", strings.Repeat("a", 64), true},
		{"max length multibyte", strings.Repeat("é", 32), true},
		{"trailing space", "x2 ", false},
		{"leading space", " x2", false},
		{"only a space", " ", false},
		{"empty", "", false},
		{"too long", strings.Repeat("a", 65), false},
		{"too long multibyte", strings.Repeat("é", 33), false},
		{"NUL", "x\x002", false},
		{"newline", "x2\n", false},
		{"tab inside", "x\t2", false},
		{"DEL", "x2\x7f", false},
		{"C1 control", "x2\u0085", false},
		{"no-break space", "x2\u00a0", false},
		{"ideographic space", "x2\u3000", false},
		{"zero-width space", "x\u200b2", false},
		{"right-to-left override", "\u202ex2", false},
		{"BOM", "\ufeffx2", false},
		{"invalid UTF-8", "x2\xff", false},
		{"separator", "P2:P3", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ident.ValidID(tc.id)
			if (err == nil) != tc.valid {
				t.Fatalf("ValidID(%q) = %v, want valid %v", tc.id, err, tc.valid)
			}
			if err != nil && !errors.Is(err, ident.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

// Valid ids that look alike stay distinct: nothing is normalised.
func TestLookalikesAreDistinct(t *testing.T) {
	ids := []string{"x2", "X2", "\uff58\uff12", "caf\u00e9", "cafe\u0301", "Caf\u00e9"}
	seen := map[string]bool{}
	for _, id := range ids {
		if err := ident.ValidID(id); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("%q collides", id)
		}
		seen[id] = true
	}
}

func TestCheckNamesTheField(t *testing.T) {
	err := ident.Check("toId", "x2 ")
	if !errors.Is(err, errcode.MissingField) || !strings.Contains(err.Error(), "toId: invalid id: whitespace, control or invisible character") {
		t.Errorf("Check = %v", err)
	}
	if err := ident.Check("toId", "x2"); err != nil {
		t.Errorf("Check(x2) = %v", err)
	}
}
