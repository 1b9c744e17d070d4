package errcode

import (
	"errors"
	"strconv"
)

// Code is a client-visible error number.
type Code int

// Error is an error that carries a client-visible code. Message is safe to
// show to clients; internal detail belongs in a wrapped error instead.
type Error struct {
	Code    Code
	Message string
}

// Error implements error.
func (e *Error) Error() string { return e.Message + " (" + strconv.Itoa(int(e.Code)) + ")" }

// Is matches any *Error with the same code, so a detailed copy made by With
// still satisfies errors.Is against the table entry.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// With returns a copy of e whose message adds detail, keeping the code.
func (e *Error) With(detail string) *Error {
	return &Error{Code: e.Code, Message: e.Message + ": " + detail}
}

// Retryable reports whether the client may resend the same request later:
// the 9xxx platform faults, except CallbackVeto, which is the app
// back-end's final answer (a resend would only be vetoed again).
func (e *Error) Retryable() bool {
	return e.Code >= 9000 && e.Code < 10000 && e.Code != CallbackVeto.Code
}

// Of returns the code carried by err, OK for nil, and Internal for an error
// that carries no code.
func Of(err error) *Error {
	if err == nil {
		return Success
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal
}

// Lookup returns the table entry for c.
func Lookup(c Code) (*Error, bool) {
	for _, e := range table {
		if e.Code == c {
			return e, true
		}
	}
	return nil, false
}

// All returns the whole table in ascending code order.
func All() []*Error { return append([]*Error(nil), table...) }
