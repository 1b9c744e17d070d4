package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/whaleim/whaleim/im-common/usersign"
)

// restBatch is the most users or members one REST call takes.
const restBatch = 100

// restClient calls the domain's REST API as the app admin.
type restClient struct {
	base   string
	appID  uint32
	secret []byte
	admin  string
	hc     *http.Client
}

func newRESTClient(c config) *restClient {
	return &restClient{base: c.restURL, appID: c.appID, secret: []byte(c.secret), admin: c.admin,
		hc: &http.Client{Timeout: 60 * time.Second}}
}

// ready checks that the domain answers /readyz.
func (c *restClient) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("domain REST -rest %q: %w", c.base, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("domain REST not reachable at %s (is im-domain running? -rest): %w", c.base, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("domain REST at %s not ready: /readyz answered %s", c.base, resp.Status)
	}
	return nil
}

// call POSTs body to path and requires code 200 in the answer.
func (c *restClient) call(ctx context.Context, path string, body any) error {
	sign, err := usersign.Generate(c.secret, c.appID, c.admin, time.Now(), time.Hour)
	if err != nil {
		return fmt.Errorf("admin sign: %w", err)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", path, err)
	}
	q := url.Values{"appId": {fmt.Sprint(c.appID)}, "identifier": {c.admin}, "userSign": {sign}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path+"?"+q.Encode(), bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	var r struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("POST %s: %s: decode: %w", path, resp.Status, err)
	}
	if r.Code != 200 {
		return fmt.Errorf("POST %s: code %d %s", path, r.Code, r.Msg)
	}
	return nil
}

// importUsers creates the users, restBatch per call.
func (c *restClient) importUsers(ctx context.Context, ids []string) error {
	for from := 0; from < len(ids); from += restBatch {
		var batch []map[string]any
		for _, id := range ids[from:min(from+restBatch, len(ids))] {
			batch = append(batch, map[string]any{"userId": id, "nickName": id})
		}
		if err := c.call(ctx, "/v1/user/importUser", map[string]any{"userData": batch}); err != nil {
			return err
		}
	}
	return nil
}

// createGroup creates a private group owned by owner with members.
func (c *restClient) createGroup(ctx context.Context, id, owner string, members []string) error {
	first := members[:min(restBatch, len(members))]
	var ms []map[string]any
	for _, m := range first {
		ms = append(ms, map[string]any{"memberId": m})
	}
	err := c.call(ctx, "/v1/group/createGroup", map[string]any{"operater": owner, "groupId": id, "ownerId": owner,
		"groupType": 2, "groupName": "imbench " + id, "applyJoinType": 2, "member": ms})
	if err != nil {
		return err
	}
	for from := len(first); from < len(members); from += restBatch {
		err := c.call(ctx, "/v1/group/member/add", map[string]any{"operater": owner, "groupId": id,
			"members": members[from:min(from+restBatch, len(members))]})
		if err != nil {
			return err
		}
	}
	return nil
}
