// Package signedrest calls im-domain's REST API as one identifier of an
// app: each POST carries appId, identifier and a fresh userSign in its
// query and answers the {code, msg, data} envelope. The e2e suite, the
// fault harness, imbench and the domain's integration tests use it; the
// SDK and imctl have their own, with retries and messages for end users.
package signedrest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// signLife is how long the sign made for one call stays valid.
const signLife = time.Hour

// Client calls the REST API at BaseURL for app AppID.
type Client struct {
	BaseURL string
	AppID   uint32
	Secret  []byte
	HTTP    *http.Client // nil: http.DefaultClient
}

// Answer is a decoded {code, msg, data} envelope.
type Answer struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// RefusedError is a well-formed answer whose code is not 200.
type RefusedError struct {
	Path string
	Code int
	Msg  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("POST %s: code %d %s", e.Path, e.Code, e.Msg)
}

// Sign makes a userSign for identifier, valid for an hour.
func (c *Client) Sign(identifier string) (string, error) {
	return usersign.Generate(c.Secret, c.AppID, identifier, time.Now(), signLife)
}

// Post POSTs body to path signed as identifier and returns the answer,
// whatever its code; an error means no envelope came back.
func (c *Client) Post(ctx context.Context, identifier, path string, body any) (Answer, error) {
	sign, err := c.Sign(identifier)
	if err != nil {
		return Answer{}, fmt.Errorf("sign: %w", err)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Answer{}, fmt.Errorf("%s: encode: %w", path, err)
	}
	q := url.Values{"appId": {strconv.FormatUint(uint64(c.AppID), 10)}, "identifier": {identifier}, "userSign": {sign}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path+"?"+q.Encode(), bytes.NewReader(b))
	if err != nil {
		return Answer{}, fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	var a Answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return Answer{}, fmt.Errorf("POST %s: %s: decode: %w", path, resp.Status, err)
	}
	return a, nil
}

// Call is Post that requires code 200 (else a *RefusedError) and decodes
// the answer's data into out unless out is nil.
func (c *Client) Call(ctx context.Context, identifier, path string, body, out any) error {
	a, err := c.Post(ctx, identifier, path, body)
	if err != nil {
		return err
	}
	if a.Code != int(errcode.Success.Code) {
		return &RefusedError{Path: path, Code: a.Code, Msg: a.Msg}
	}
	if out != nil {
		if err := json.Unmarshal(a.Data, out); err != nil {
			return fmt.Errorf("POST %s: data: %w", path, err)
		}
	}
	return nil
}
