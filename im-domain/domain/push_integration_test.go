//go:build integration

package domain_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/push/pushtest"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// Offline push end to end on RabbitMQ: the providers are configured from
// IM_PUSH_* files as in production (fakes behind them, APNs over HTTP/2
// with TLS trusted through IM_PUSH_CA_FILE), devices register tokens and
// the push webhook is switched on over REST, and a message to a user with
// no online device reaches the webhook, FCM and APNs.
func TestOfflinePushOnRabbitMQ(t *testing.T) {
	fcm, apns := pushtest.StartFCM(t), pushtest.StartAPNs(t)
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	appID := apitest.RandomAppID()
	env := map[string]string{
		"IM_MYSQL_DSN": apitest.DSN(t), "IM_REDIS_ADDR": apitest.RedisAddr(), "IM_APP_SECRET": "push-test-secret-01234567",
		"IM_APP_ID": strconv.FormatUint(uint64(appID), 10), "IM_ZK_SERVERS": os.Getenv("IM_TEST_ZK_ADDR"),
		"IM_RABBIT_URL": privateVhost(t), "IM_ZK_ROOT": zkRoot(t), "IM_RABBIT_QUEUE_TYPE": "quorum",
		"IM_PUSH_FCM_CREDENTIALS": file("firebase.json", fcm.ServiceAccount()), "IM_PUSH_FCM_ENDPOINT": fcm.URL,
		"IM_PUSH_APNS_KEY": file("AuthKey.p8", apns.KeyPEM()), "IM_PUSH_APNS_KEY_ID": pushtest.APNsKeyID,
		"IM_PUSH_APNS_TEAM_ID": pushtest.APNsTeamID, "IM_PUSH_APNS_TOPIC": pushtest.APNsTopic, "IM_PUSH_APNS_ENDPOINT": apns.URL,
		"IM_PUSH_CA_FILE": file("ca.pem", apns.CertPEM()),
	}
	cfg, err := domain.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { apitest.Redis(t).Del(context.Background(), env["IM_APP_ID"]+":app") })
	back := newBackEnd(t)
	n := startNode(t, cfg)
	api := adminAPI{t: t, base: n.url, appID: appID, secret: cfg.AppSecret}
	api.call("/v1/app/updateSettings", map[string]any{"webhookUrl": back.url("/push"), "webhookEvents": []string{webhook.PushOffline}}, nil)
	api.call("/v1/user/importUser", map[string]any{"userData": []map[string]any{{"userId": "alice"}, {"userId": "bob"}}}, nil)
	api.call("/v1/push/registerToken", map[string]any{"userId": "bob", "clientType": 2, "imei": "pixel", "provider": "fcm", "token": "fcm-bob"}, nil)
	api.call("/v1/push/registerToken", map[string]any{"userId": "bob", "clientType": 1, "imei": "iphone", "provider": "apns", "token": "0a1b2c"}, nil)

	api.call("/v1/message/send", map[string]any{"fromId": "alice", "toId": "bob", "messageId": "m1", "messageBody": "are you there?"}, nil)
	testwait.Until(t, 20*time.Second, "the webhook, FCM and APNs", func() bool {
		return back.succeeded("/push") == 1 && len(fcm.Received()) == 1 && len(apns.Received()) == 1
	})
	h := back.requests("/push")[0]
	if err := webhook.Verify(cfg.AppSecret, h.header.Get(webhook.HeaderTimestamp), h.header.Get(webhook.HeaderSignature), h.body, time.Now()); err != nil ||
		h.command != webhook.PushOffline || !strings.Contains(string(h.body), `"receiverId":"bob"`) || !strings.Contains(string(h.body), `"badge":1`) {
		t.Errorf("push.offline %s %s (%v)", h.command, h.body, err)
	}
	for _, got := range []pushtest.Notification{fcm.Received()[0], apns.Received()[0]} {
		if got.Title != "alice" || got.Body != "are you there?" || got.Badge != 1 || got.Data["conversationId"] != "p2p:alice:bob" {
			t.Errorf("notification %+v", got)
		}
	}
}
