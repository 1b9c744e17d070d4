// Package ident defines the one alphabet of identifiers: user, group, friend
// and member ids, the identifier of a user sign, a message's fromId, toId and
// groupId. Every entry point (REST, auth, message send, gateway login) checks
// ids with ValidID, and every store compares them byte for byte (the domain's
// MariaDB columns are utf8mb4_nopad_bin), so two ids are the same identity
// exactly when Go's == says so. Nothing folds case, accents, width or
// Unicode normalisation: "X2", "x2", "ｘ２", "é" (NFC) and "é" (NFD) are five
// different ids.
package ident

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// MaxLen is the longest id in bytes. The id columns are VARCHAR(64), which
// counts characters, so every id of at most 64 bytes fits; Redis keys and
// conversation ids (p2p:<a>:<b>, VARCHAR(200)) are bounded by it too.
const MaxLen = 64

// Separator is reserved: it joins the two users of a 1:1 conversation id
// (mq.P2PConversation), so an id containing it could forge another pair's
// conversation ("P1" + "P2:P3" against "P1:P2" + "P3").
const Separator = ':'

// ErrInvalid is wrapped by every refusal of ValidID.
var ErrInvalid = errors.New("invalid id")

// ValidID reports why id is not an identifier, or nil. An id is 1..MaxLen
// bytes of UTF-8, every character printable and not a space (no control,
// format, invisible or whitespace character anywhere: a space at either end
// is what made "x2 " pass for "x2", and an inner one was already refused in
// group ids and breaks logs and query strings), and no Separator.
func ValidID(id string) error {
	switch {
	case id == "":
		return invalid("empty")
	case len(id) > MaxLen:
		return invalid("longer than 64 bytes")
	case !utf8.ValidString(id):
		return invalid("not UTF-8")
	case strings.IndexFunc(id, notPrintable) >= 0:
		return invalid("whitespace, control or invisible character")
	case strings.ContainsRune(id, Separator):
		return invalid("':' is reserved")
	}
	return nil
}

// Check is ValidID as the client sees it: errcode.MissingField naming the
// field and the reason.
func Check(field, id string) error {
	if err := ValidID(id); err != nil {
		return errcode.MissingField.With(field + ": " + err.Error())
	}
	return nil
}

// notPrintable: unicode.IsPrint admits letters, marks, numbers, punctuation,
// symbols and the ASCII space, and no other space.
func notPrintable(r rune) bool { return r == ' ' || !unicode.IsPrint(r) }

func invalid(why string) error { return &reason{why} }

type reason struct{ why string }

func (r *reason) Error() string { return "invalid id: " + r.why }

func (r *reason) Unwrap() error { return ErrInvalid }
