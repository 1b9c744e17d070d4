package fault

import (
	"context"
	"net/http"
	"time"

	"github.com/whaleim/whaleim/im-common/signedrest"
)

// restAPI calls the domain's signed REST API of the scenario's app.
type restAPI struct {
	signedrest.Client
}

func (e *Env) api() *restAPI {
	return &restAPI{signedrest.Client{BaseURL: e.restURLs()[0], AppID: e.run.appID, Secret: []byte(e.run.secret),
		HTTP: &http.Client{Timeout: 30 * time.Second}}}
}

// importUsers creates users (fewer than 100: one call).
func (r *restAPI) importUsers(ctx context.Context, ids []string) error {
	var batch []map[string]any
	for _, id := range ids {
		batch = append(batch, map[string]any{"userId": id, "nickName": id})
	}
	return r.Call(ctx, "admin", "/v1/user/importUser", map[string]any{"userData": batch}, nil)
}

// createGroup creates private group id owned by members[0].
func (r *restAPI) createGroup(ctx context.Context, id string, members []string) error {
	var ms []map[string]any
	for _, m := range members[1:] {
		ms = append(ms, map[string]any{"memberId": m})
	}
	return r.Call(ctx, "admin", "/v1/group/createGroup", map[string]any{"operater": members[0], "groupId": id,
		"ownerId": members[0], "groupType": 2, "groupName": "fault " + id, "applyJoinType": 2, "member": ms}, nil)
}

// gatewayOf asks the login route which gateway (brokerId) user gets.
func (r *restAPI) gatewayOf(ctx context.Context, user string) (string, error) {
	var a struct {
		BrokerID string `json:"brokerId"`
	}
	err := r.Call(ctx, user, "/v1/user/login", map[string]any{"appId": r.AppID, "userId": user, "clientType": 3, "imei": "probe"}, &a)
	return a.BrokerID, err
}
