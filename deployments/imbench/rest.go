package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-common/signedrest"
)

// restBatch is the most users or members one REST call takes.
const restBatch = 100

// restClient calls the domain's REST API as the app admin.
type restClient struct {
	api   signedrest.Client
	admin string
}

func newRESTClient(c config) *restClient {
	return &restClient{admin: c.admin, api: signedrest.Client{BaseURL: c.restURL, AppID: c.appID, Secret: []byte(c.secret),
		HTTP: &http.Client{Timeout: 60 * time.Second}}}
}

// ready checks that the domain answers /readyz.
func (c *restClient) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api.BaseURL+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("domain REST -rest %q: %w", c.api.BaseURL, err)
	}
	resp, err := c.api.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("domain REST not reachable at %s (is im-domain running? -rest): %w", c.api.BaseURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("domain REST at %s not ready: /readyz answered %s", c.api.BaseURL, resp.Status)
	}
	return nil
}

// call POSTs body to path, requires code 200 in the answer (else a
// *signedrest.RefusedError) and decodes its data into out (unless nil).
func (c *restClient) call(ctx context.Context, path string, body, out any) error {
	return c.api.Call(ctx, c.admin, path, body, out)
}

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
	var re *signedrest.RefusedError
	return errors.As(err, &re) && strings.Contains(re.Msg, "maxMemberCount")
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
