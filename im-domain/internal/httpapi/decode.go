package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
)

// DefaultMaxBody bounds a request body; larger bodies get BatchTooLarge
// (HTTP 413) before any of it is decoded.
const DefaultMaxBody = 1 << 20

// request is a decoded body that can check its required fields.
type request interface {
	validate() error
}

// decode reads r's JSON body into v and validates it. Unknown fields are
// accepted (WhaleShark clients send clientType, imei and more everywhere);
// malformed JSON, trailing garbage and wrong types are not:
//
//	body over the limit       -> BatchTooLarge (413)
//	not JSON, empty, trailing -> MalformedJSON (400)
//	wrong type for a field    -> MissingField "field: wrong type" (400)
//	missing required field    -> MissingField (400), from v.validate
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v request) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return decodeError(err)
		}
		return errcode.MalformedJSON.With("trailing data after the JSON object")
	}
	return v.validate()
}

func decodeError(err error) error {
	var (
		tooBig  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
		syntax  *json.SyntaxError
	)
	switch {
	case errors.As(err, &tooBig):
		return errcode.BatchTooLarge.With("request body too large")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return errcode.MissingField.With(field + ": wrong type, want " + typeErr.Type.String())
	case errors.As(err, &syntax), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errcode.MalformedJSON
	}
	return errcode.MalformedJSON.With(strings.TrimPrefix(err.Error(), "json: "))
}

// actingRequest is a request body that resolves the user it acts for.
type actingRequest interface {
	request
	acting(c *Caller) (string, error)
}

// acting adapts h into an endpoint: the body is decoded and validated into a
// fresh Q, the user it acts for is resolved (refusing callers who may not),
// and only then is h called. Every endpoint thus checks identity before it
// touches a service, and a handler holds only its own logic.
func acting[Q any, P interface {
	*Q
	actingRequest
}](s *Server, h func(ctx context.Context, c *Caller, user string, q P) (any, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *Caller) (any, error) {
		q := P(new(Q))
		if err := s.decode(w, r, q); err != nil {
			return nil, err
		}
		u, err := q.acting(c)
		if err != nil {
			return nil, err
		}
		return h(r.Context(), c, u, q)
	}
}

// adminOnly is acting for the endpoints only the app back-end may call: the
// caller must hold an app admin sign as well.
func adminOnly[Q any, P interface {
	*Q
	actingRequest
}](s *Server, h func(ctx context.Context, c *Caller, user string, q P) (any, error)) handlerFunc {
	return acting(s, func(ctx context.Context, c *Caller, u string, q P) (any, error) {
		if err := c.RequireAdmin(); err != nil {
			return nil, err
		}
		return h(ctx, c, u, q)
	})
}

// base is WhaleShark's RequestBase, embedded in every request body.
type base struct {
	AppID *uint32 `json:"appId"`
	// Operater (sic) is WhaleShark's spelling; operator is accepted too.
	Operater   string       `json:"operater"`
	Operator   string       `json:"operator"`
	ClientType *device.Type `json:"clientType"`
	IMEI       string       `json:"imei"`
}

// actor checks the body's appId against the authenticated app and returns
// the user the request acts as.
func (b *base) actor(c *Caller) (string, error) {
	if b.AppID != nil && *b.AppID != c.App.ID {
		return "", errcode.AppMismatch.With("body appId differs from the signed appId")
	}
	op := b.Operater
	if op == "" {
		op = b.Operator
	}
	return c.ActAs(op)
}

// acting is the operator, for bodies that name no other user.
func (b *base) acting(c *Caller) (string, error) { return b.actor(c) }

// device is the calling device when the body names one (clientType and
// imei), so the notifications of u, the user acted as, skip it.
func (b *base) device(c *Caller, u string) *device.ID { return c.Device(u, b.ClientType, b.IMEI) }

// checkIDs validates a batch of ids: present, within max, each a valid id
// (ident.ValidID).
func checkIDs(field string, ids []string, max int) error {
	if err := checkBatch(field, len(ids), max); err != nil {
		return err
	}
	for _, id := range ids {
		if err := ident.Check(field, id); err != nil {
			return err
		}
	}
	return nil
}

// checkBatch checks the size of a batch of n items.
func checkBatch(field string, n, max int) error {
	switch {
	case n == 0:
		return errcode.MissingField.With(field)
	case n > max:
		return errcode.BatchTooLarge.With(field + ": too many items")
	}
	return nil
}
