package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
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

// checkIDs validates a batch of ids: present, within max and non-empty.
func checkIDs(field string, ids []string, max int) error {
	switch {
	case len(ids) == 0:
		return errcode.MissingField.With(field)
	case len(ids) > max:
		return errcode.BatchTooLarge.With(field + ": too many items")
	}
	for _, id := range ids {
		if id == "" {
			return errcode.MissingField.With(field + ": empty id")
		}
	}
	return nil
}
