package packet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// readBufferSize is the Reader's buffer: one read syscall usually brings in
// a header and a chat-sized body together.
const readBufferSize = 4096

// Reader reads frames from a byte stream such as a TCP connection. Frames
// split across reads and frames coalesced into one read are both handled.
//
// Memory: headers and IMEIs are decoded inside the Reader's buffer. Each
// frame's Body is one fresh allocation the caller owns. The IMEI string is
// reused while it repeats (a connection is one device, so after the first
// frame it always does), which keeps a steady-state ReadClient at one
// allocation per frame and a repeated IMEI free.
//
// After any error the stream position is unknown, so the Reader keeps
// returning that error; the caller closes the connection. A Reader is not
// safe for concurrent use.
type Reader struct {
	br   *bufio.Reader
	lim  Limits
	imei string // the last IMEI returned
	err  error  // sticky
}

// NewReader returns a Reader that buffers r and applies lim (zero fields
// mean the defaults).
func NewReader(r io.Reader, lim Limits) *Reader {
	lim = lim.orDefault()
	// Peek needs the whole IMEI inside the buffer.
	return &Reader{br: bufio.NewReaderSize(r, max(readBufferSize, lim.MaxIMEI)), lim: lim}
}

// ReadClient reads the next uplink packet. It returns io.EOF when the
// stream ends cleanly between frames, and an error wrapping ErrTruncated
// (and so io.ErrUnexpectedEOF) when it ends inside one.
func (r *Reader) ReadClient() (Client, error) {
	if r.err != nil {
		return Client{}, r.err
	}
	p, err := r.readClient()
	r.err = err
	return p, err
}

// ReadServer reads the next downlink packet, with the same EOF rules as
// ReadClient.
func (r *Reader) ReadServer() (Server, error) {
	if r.err != nil {
		return Server{}, r.err
	}
	p, err := r.readServer()
	r.err = err
	return p, err
}

func (r *Reader) readClient() (Client, error) {
	h, err := r.header(ClientHeaderSize)
	if err != nil {
		return Client{}, err
	}
	p, imeiLen, bodyLen, err := decodeClientHeader(h, r.lim)
	if err != nil {
		return Client{}, err
	}
	r.discard(ClientHeaderSize)
	if p.IMEI, err = r.readIMEI(imeiLen); err != nil {
		return Client{}, err
	}
	if p.Body, err = r.readBody(bodyLen); err != nil {
		return Client{}, err
	}
	return p, nil
}

func (r *Reader) readServer() (Server, error) {
	h, err := r.header(ServerHeaderSize)
	if err != nil {
		return Server{}, err
	}
	p, bodyLen, err := decodeServerHeader(h, r.lim)
	if err != nil {
		return Server{}, err
	}
	r.discard(ServerHeaderSize)
	if p.Body, err = r.readBody(bodyLen); err != nil {
		return Server{}, err
	}
	return p, nil
}

// header returns the next n bytes without consuming them; they stay valid
// until the next read. EOF before the first byte is a clean end.
func (r *Reader) header(n int) ([]byte, error) {
	h, err := r.br.Peek(n)
	switch {
	case err == nil:
		return h, nil
	case len(h) == 0 && errors.Is(err, io.EOF):
		return nil, io.EOF
	case isEOF(err):
		return nil, &FrameError{Field: "header", Value: int64(len(h)), Limit: int64(n), Err: ErrShortHeader}
	}
	return nil, fmt.Errorf("packet: read header: %w", err)
}

// readIMEI reads n IMEI bytes, reusing the previous string when they match.
func (r *Reader) readIMEI(n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	b, err := r.br.Peek(n)
	if err != nil {
		return "", cut("imei", len(b), n, err)
	}
	if string(b) != r.imei { // the conversion for a comparison does not allocate
		r.imei = string(b)
	}
	r.discard(n)
	return r.imei, nil
}

// readBody reads an n-byte body into a new slice; n is already within limits.
func (r *Reader) readBody(n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	body := make([]byte, n)
	if got, err := io.ReadFull(r.br, body); err != nil {
		return nil, cut("body", got, n, err)
	}
	return body, nil
}

// discard skips n bytes that an earlier Peek returned, so it cannot fail.
func (r *Reader) discard(n int) { _, _ = r.br.Discard(n) }

// cut classifies a read error inside a frame: EOF means truncation, any
// other error is the stream's own.
func cut(field string, have, need int, err error) error {
	if isEOF(err) {
		return &FrameError{Field: field, Value: int64(have), Limit: int64(need), Err: ErrTruncated}
	}
	return fmt.Errorf("packet: read %s: %w", field, err)
}

// isEOF reports whether err means the stream ended.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
