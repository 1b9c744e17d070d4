package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/whaleim/whaleim/im-common/usersign"
)

// restAPI calls the domain's signed REST API of the scenario's app.
type restAPI struct {
	base   string
	appID  uint32
	secret []byte
	hc     *http.Client
}

func (e *Env) api() *restAPI {
	return &restAPI{base: e.restURLs()[0], appID: e.run.appID, secret: []byte(e.run.secret),
		hc: &http.Client{Timeout: 30 * time.Second}}
}

// sign makes a userSign for id, valid for an hour.
func (r *restAPI) sign(id string) (string, error) {
	return usersign.Generate(r.secret, r.appID, id, time.Now(), time.Hour)
}

// call POSTs body to path signed as identifier and decodes data into out.
func (r *restAPI) call(ctx context.Context, identifier, path string, body, out any) error {
	sign, err := r.sign(identifier)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", path, err)
	}
	q := url.Values{"appId": {strconv.FormatUint(uint64(r.appID), 10)}, "identifier": {identifier}, "userSign": {sign}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path+"?"+q.Encode(), bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("POST %s: %s: decode: %w", path, resp.Status, err)
	}
	if env.Code != 200 {
		return fmt.Errorf("POST %s: code %d %s", path, env.Code, env.Msg)
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return fmt.Errorf("POST %s: data: %w", path, err)
		}
	}
	return nil
}

// importUsers creates users (fewer than 100: one call).
func (r *restAPI) importUsers(ctx context.Context, ids []string) error {
	var batch []map[string]any
	for _, id := range ids {
		batch = append(batch, map[string]any{"userId": id, "nickName": id})
	}
	return r.call(ctx, "admin", "/v1/user/importUser", map[string]any{"userData": batch}, nil)
}

// createGroup creates private group id owned by members[0].
func (r *restAPI) createGroup(ctx context.Context, id string, members []string) error {
	var ms []map[string]any
	for _, m := range members[1:] {
		ms = append(ms, map[string]any{"memberId": m})
	}
	return r.call(ctx, "admin", "/v1/group/createGroup", map[string]any{"operater": members[0], "groupId": id,
		"ownerId": members[0], "groupType": 2, "groupName": "fault " + id, "applyJoinType": 2, "member": ms}, nil)
}

// gatewayOf asks the login route which gateway (brokerId) user gets.
func (r *restAPI) gatewayOf(ctx context.Context, user string) (string, error) {
	var a struct {
		BrokerID string `json:"brokerId"`
	}
	err := r.call(ctx, user, "/v1/user/login", map[string]any{"appId": r.appID, "userId": user, "clientType": 3, "imei": "probe"}, &a)
	return a.BrokerID, err
}
