package whaleim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// gateway is the part of a login answer the SDK uses.
type gateway struct {
	TCPAddress string `json:"tcpAddress"`
	WSAddress  string `json:"wsAddress"`
}

// page is one pull answer.
type page struct {
	Conversation string      `json:"conversationId"`
	MaxSequence  int64       `json:"maxSequence"`
	Completed    bool        `json:"completed"`
	DataList     []pulledMsg `json:"dataList"`
}

type pulledMsg struct {
	Conversation string `json:"conversationId"`
	FromID       string `json:"fromId"`
	ToID         string `json:"toId"`
	GroupID      string `json:"groupId"`
	MessageID    string `json:"messageId"`
	MessageKey   int64  `json:"messageKey"`
	Seq          int64  `json:"messageSequence"`
	Body         string `json:"messageBody"`
	Extra        string `json:"extra"`
	Time         int64  `json:"messageTime"`
	Recalled     bool   `json:"recalled"`
	EditedAt     int64  `json:"editedAt"`
}

// message is v as a Message of conv.
func (v pulledMsg) message(conv string) Message {
	return Message{Conversation: conv, Seq: v.Seq, ID: v.MessageID, Key: v.MessageKey, From: v.FromID,
		To: v.ToID, Group: v.GroupID, Body: v.Body, Extra: v.Extra, Time: v.Time, Recalled: v.Recalled,
		Edited: v.EditedAt != 0}
}

type convSeq struct {
	Conversation string `json:"conversationId"`
	ReadSeq      int64  `json:"readSequence"`
	MaxSequence  int64  `json:"maxSequence"`
}

// refusal is a well-formed REST answer with a code other than 200.
type refusal struct {
	path string
	code errcode.Code
	msg  string
}

func (r *refusal) Error() string {
	return fmt.Sprintf("whaleim: %s refused: %d %s", r.path, r.code, r.msg)
}

// call POSTs body to path on base as the SDK's user and decodes the
// envelope's data into out.
func (c *Client) call(ctx context.Context, base, sign, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("whaleim: encode %s: %w", path, err)
	}
	q := url.Values{"appId": {strconv.FormatUint(uint64(c.cfg.AppID), 10)}, "identifier": {c.cfg.UserID}, "userSign": {sign}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path+"?"+q.Encode(), bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("whaleim: %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("whaleim: %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("whaleim: %s: read answer: %w", path, err)
	}
	var env struct {
		Code *errcode.Code   `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Code == nil {
		return fmt.Errorf("whaleim: %s: HTTP %s without a WhaleIM answer", path, resp.Status)
	}
	if *env.Code != errcode.Success.Code {
		return &refusal{path: path, code: *env.Code, msg: env.Msg}
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("whaleim: %s: decode answer: %w", path, err)
	}
	return nil
}

// rest calls path on each REST base URL in turn until one answers.
func (c *Client) rest(ctx context.Context, path string, body, out any) error {
	sign := c.currentSign()
	var err error
	for _, base := range c.cfg.RESTURLs {
		if err = c.call(ctx, base, sign, path, body, out); err == nil {
			return nil
		}
	}
	return err
}

func (c *Client) login(ctx context.Context) (gateway, error) {
	var gw gateway
	err := c.rest(ctx, "/v1/user/login", map[string]any{"appId": c.cfg.AppID, "userId": c.cfg.UserID,
		"clientType": c.cfg.Device, "imei": c.cfg.IMEI}, &gw)
	return gw, err
}

func (c *Client) maxSeqs(ctx context.Context) ([]convSeq, error) {
	var out []convSeq
	return out, c.rest(ctx, "/v1/message/getMaxSequences", map[string]any{"appId": c.cfg.AppID}, &out)
}

func (c *Client) pull(ctx context.Context, conv string, after int64, limit int) (page, error) {
	var p page
	return p, c.rest(ctx, "/v1/message/pull", map[string]any{"appId": c.cfg.AppID,
		"conversationId": conv, "lastSequence": after, "maxLimit": limit}, &p)
}
