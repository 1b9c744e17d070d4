package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
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

// call POSTs body to path, requires code 200 in the answer and decodes
// its data into out (unless nil).
func (c *restClient) call(ctx context.Context, path string, body, out any) error {
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
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("POST %s: %s: decode: %w", path, resp.Status, err)
	}
	if r.Code != 200 {
		return &restError{path: path, code: r.Code, msg: r.Msg}
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("POST %s: data: %w", path, err)
		}
	}
	return nil
}

// restError is a refusal by the REST API.
type restError struct {
	path string
	code int
	msg  string
}

func (e *restError) Error() string { return fmt.Sprintf("POST %s: code %d %s", e.path, e.code, e.msg) }

// defaultMaxGroupSize is the app setting a new app starts with.
const defaultMaxGroupSize = 500

// allowGroupSize raises the app's maxGroupSize to n if it is lower.
func (c *restClient) allowGroupSize(ctx context.Context, n int) error {
	var st struct {
		MaxGroupSize int `json:"maxGroupSize"`
	}
	if err := c.call(ctx, "/v1/app/getSettings", struct{}{}, &st); err != nil {
		return err
	}
	if st.MaxGroupSize >= n {
		return nil
	}
	return c.call(ctx, "/v1/app/updateSettings", map[string]any{"maxGroupSize": n}, nil)
}

// importUsers creates the users, restBatch per call.
func (c *restClient) importUsers(ctx context.Context, ids []string) error {
	for from := 0; from < len(ids); from += restBatch {
		var batch []map[string]any
		for _, id := range ids[from:min(from+restBatch, len(ids))] {
			batch = append(batch, map[string]any{"userId": id, "nickName": id})
		}
		if err := c.call(ctx, "/v1/user/importUser", map[string]any{"userData": batch}, nil); err != nil {
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
	body := map[string]any{"operater": owner, "groupId": id, "ownerId": owner, "groupType": 2,
		"groupName": "imbench " + id, "applyJoinType": 2, "member": ms, "maxMemberCount": max(len(members)+1, 2)}
	// A raised maxGroupSize reaches the domain's app cache within its TTL
	// (IM_APP_CACHE_TTL, 10 s by default): retry while the cache is stale.
	err := retry(ctx, 30*time.Second, func() error { return c.call(ctx, "/v1/group/createGroup", body, nil) }, staleGroupLimit)
	if err != nil {
		return err
	}
	for from := len(first); from < len(members); from += restBatch {
		err := c.call(ctx, "/v1/group/member/add", map[string]any{"operater": owner, "groupId": id,
			"members": members[from:min(from+restBatch, len(members))]}, nil)
		if err != nil {
			return err
		}
	}
	return nil
}

// staleGroupLimit: the refusal of a maxMemberCount above the app's limit
// as the domain's cache still has it.
func staleGroupLimit(err error) bool {
	var re *restError
	return errors.As(err, &re) && strings.Contains(re.msg, "maxMemberCount")
}

// retry calls f until it succeeds, fails with an error again does not
// accept, or timeout passes.
func retry(ctx context.Context, timeout time.Duration, f func() error, again func(error) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || !again(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
