package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/usersign"
)

// callSignLife is the expiry of the sign made for one call: long enough
// for a slow call, short enough to be useless once captured.
const callSignLife = 5 * time.Minute

// refusedError is a well-formed answer whose code is not 200.
type refusedError struct {
	path string
	code int
	msg  string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("%s refused: code %d: %s", e.path, e.code, e.msg)
}

// unreachableError is a call that got no WhaleIM answer at all.
type unreachableError struct {
	url string
	err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("platform unreachable at %s: %v (is im-domain running there? set --url or IM_REST_URL)", e.url, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// sign makes a userSign for identifier under the configured app.
func (e *env) sign(identifier string, life time.Duration) (string, error) {
	s, err := usersign.Generate([]byte(e.secret), uint32(e.appID), identifier, time.Now(), life)
	if err != nil {
		return "", fmt.Errorf("sign %q: %w", identifier, err)
	}
	return s, nil
}

// call POSTs body to path as identifier (the admin unless given) with a
// fresh sign and a fresh random (IM_ADMIN_NONCE), and returns the data of
// the {code, msg, data} envelope.
func (e *env) call(path string, body any, identifier string) (json.RawMessage, error) {
	raw, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	req, err := e.request(path, raw, identifier)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(e.ctx, e.timeout)
	defer cancel()
	resp, err := e.http.Do(req.WithContext(ctx))
	if err != nil {
		return nil, &unreachableError{url: e.url, err: errors.Unwrap(err)}
	}
	defer resp.Body.Close()
	return decodeAnswer(path, resp)
}

func encodeBody(body any) ([]byte, error) {
	if raw, ok := body.(json.RawMessage); ok {
		if !json.Valid(raw) {
			return nil, usagef("body is not valid JSON: %s", raw)
		}
		return raw, nil
	}
	return json.Marshal(body)
}

func (e *env) request(path string, body []byte, identifier string) (*http.Request, error) {
	if identifier == "" {
		identifier = e.admin
	}
	sign, err := e.sign(identifier, callSignLife)
	if err != nil {
		return nil, err
	}
	q := url.Values{"appId": {strconv.FormatUint(e.appID, 10)}, "identifier": {identifier},
		"userSign": {sign}, "random": {randomHex()}}
	req, err := http.NewRequest(http.MethodPost, e.url+path+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// decodeAnswer reads the envelope; an answer that is not one (a proxy's
// page, another service on the port) is reported with its status.
func decodeAnswer(path string, resp *http.Response) (json.RawMessage, error) {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: read answer: %w", path, err)
	}
	var env struct {
		Code *int            `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Code == nil {
		return nil, fmt.Errorf("%s: HTTP %s without a WhaleIM answer (is --url the REST address of im-domain?): %.200s", path, resp.Status, raw)
	}
	if *env.Code != 200 {
		return nil, &refusedError{path: path, code: *env.Code, msg: env.Msg}
	}
	return env.Data, nil
}

// print writes data as indented JSON (nothing for a null data).
func (e *env) print(data json.RawMessage) error {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	var b bytes.Buffer
	if err := json.Indent(&b, data, "", "  "); err != nil {
		b.Reset()
		b.Write(data)
	}
	b.WriteByte('\n')
	_, err := e.out.Write(b.Bytes())
	return err
}
