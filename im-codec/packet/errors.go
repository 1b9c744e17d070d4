package packet

import (
	"errors"
	"io"
	"strconv"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// sentinel is an error value that may wrap a more general one, so that
// errors.Is(ErrShortHeader, io.ErrUnexpectedEOF) holds without making the
// message longer.
type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

// The kinds of bad frame. Decoders return them wrapped in a *FrameError;
// test with errors.Is.
var (
	// ErrTruncated means the input ended inside a frame: a stream hit EOF
	// mid-frame, or a WebSocket message was shorter than its lengths say.
	// It wraps io.ErrUnexpectedEOF.
	ErrTruncated error = &sentinel{"truncated frame", io.ErrUnexpectedEOF}
	// ErrShortHeader is ErrTruncated inside the fixed header.
	ErrShortHeader error = &sentinel{"short header", ErrTruncated}
	// ErrNegativeLength means a length field is 2^31 or more, negative as
	// the int32 the protocol was designed with.
	ErrNegativeLength = errors.New("negative length")
	// ErrIMEITooLong means imeiLength exceeds Limits.MaxIMEI.
	ErrIMEITooLong = errors.New("imei too long")
	// ErrBodyTooLarge means the body length exceeds Limits.MaxBody.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrTrailingBytes means a whole-frame parse found bytes after the
	// packet; a WebSocket message holds exactly one packet.
	ErrTrailingBytes = errors.New("trailing bytes after packet")
)

// FrameError describes a frame that cannot be decoded.
type FrameError struct {
	// Field is the part of the frame at fault: "header", "imeiLength",
	// "bodyLength", "imei", "body" or "frame".
	Field string
	// Value is what the frame had: the declared length, or the number of
	// bytes present.
	Value int64
	// Limit is the bound it broke: the configured limit, the number of
	// bytes needed, or 0 for a negative length.
	Limit int64
	// Err is one of the package's sentinel errors.
	Err error
}

// Error implements error.
func (e *FrameError) Error() string {
	return "packet: " + e.Field + " " + strconv.FormatInt(e.Value, 10) +
		" (limit " + strconv.FormatInt(e.Limit, 10) + "): " + e.Err.Error()
}

// Unwrap returns the sentinel.
func (e *FrameError) Unwrap() error { return e.Err }

// Code returns the client-visible error for a bad frame: FrameTooLarge for
// a limit, MalformedFrame for the rest, with the frame detail appended. It
// returns nil when err is not about the frame (nil, io.EOF, a network
// error), for which there is nobody left to answer.
func Code(err error) *errcode.Error {
	var e *errcode.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrIMEITooLong), errors.Is(err, ErrBodyTooLarge):
		e = errcode.FrameTooLarge
	case errors.Is(err, ErrTruncated), errors.Is(err, ErrNegativeLength),
		errors.Is(err, ErrTrailingBytes):
		e = errcode.MalformedFrame
	default:
		return nil
	}
	return e.With(err.Error())
}

// checkLength validates a length field before anything is allocated for it.
func checkLength(field string, v uint32, limit int, tooLarge error) (int, error) {
	if int32(v) < 0 {
		return 0, &FrameError{Field: field, Value: int64(int32(v)), Err: ErrNegativeLength}
	}
	if int64(v) > int64(limit) {
		return 0, &FrameError{Field: field, Value: int64(v), Limit: int64(limit), Err: tooLarge}
	}
	return int(v), nil
}
