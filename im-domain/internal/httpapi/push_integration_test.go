//go:build integration

package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-domain/domain"
	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/push"
	"github.com/whaleim/whaleim/im-domain/internal/push/pushtest"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// startPush runs a node whose FCM and APNs providers are local fakes.
func startPush(t *testing.T) (*apitest.Env, *pushtest.FCM, *pushtest.APNs) {
	fcm, apns := pushtest.StartFCM(t), pushtest.StartAPNs(t)
	sa, err := push.ParseServiceAccount(fcm.ServiceAccount())
	if err != nil {
		t.Fatal(err)
	}
	env := apitest.StartWith(t, func(c *domain.Config) {
		c.Push = domain.PushConfig{FCM: sa, FCMEndpoint: fcm.URL, Roots: apns.Roots(),
			APNs: &push.APNsConfig{Key: apns.Key, KeyID: pushtest.APNsKeyID, TeamID: pushtest.APNsTeamID, Topic: pushtest.APNsTopic, Endpoint: apns.URL}}
		c.Webhook = domain.WebhookConfig{Workers: 2, Attempts: 3, Backoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	})
	return env, fcm, apns
}

func registerTokens(t *testing.T, env *apitest.Env) {
	env.ImportUsers("alice", "bob", "carol")
	env.Call("bob", "/v1/push/registerToken", map[string]any{"userId": "bob", "clientType": 2, "imei": "pixel", "provider": "fcm", "token": "fcm:bob-pixel"}).WantCode(t, 200)
	env.Call("bob", "/v1/push/registerToken", map[string]any{"userId": "bob", "clientType": 1, "imei": "iphone", "provider": "apns", "token": "a1b2c3"}).WantCode(t, 200)
	env.Call("alice", "/v1/push/registerToken", map[string]any{"userId": "bob", "clientType": 1, "imei": "x", "provider": "apns", "token": "t"}).WantCode(t, 2005)
	env.Call("bob", "/v1/push/registerToken", map[string]any{"userId": "bob", "clientType": 1, "imei": "x", "provider": "gcm", "token": "t"}).WantCode(t, 1002)
}

// The acceptance case: a message to a user with no online device gives one
// signed push.offline webhook event and correct FCM and APNs requests.
func TestPush_OfflineMessage(t *testing.T) {
	env, fcm, apns := startPush(t)
	hooks := apitest.StartHooks(t)
	registerTokens(t, env)
	env.Call(env.Admin, "/v1/app/updateSettings", map[string]any{"webhookUrl": hooks.URL, "webhookEvents": []string{webhook.PushOffline}}).WantCode(t, 200)

	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "alice", "toId": "bob", "messageId": "m1", "messageBody": "hello bob"}).WantCode(t, 200)
	h := hooks.Wait(t, webhook.PushOffline)
	verified(t, env, h)
	var ev struct {
		ID, ReceiverID, SenderID, ConversationID, MessageID, Preview string
		Badge                                                        int64
	}
	if err := json.Unmarshal(h.Body, &ev); err != nil || ev.ReceiverID != "bob" || ev.SenderID != "alice" || ev.ConversationID != "p2p:alice:bob" ||
		ev.MessageID != "m1" || ev.Preview != "hello bob" || ev.Badge != 1 || ev.ID == "" {
		t.Fatalf("push.offline payload %s (%v)", h.Body, err)
	}
	testwait.Until(t, 10*time.Second, "FCM and APNs", func() bool { return len(fcm.Received()) == 1 && len(apns.Received()) == 1 })
	if n := fcm.Received()[0]; n.Token != "fcm:bob-pixel" || n.Title != "alice" || n.Body != "hello bob" || n.Badge != 1 || n.Data["conversationId"] != "p2p:alice:bob" {
		t.Errorf("FCM got %+v", n)
	}
	if n := apns.Received()[0]; n.Token != "a1b2c3" || n.Body != "hello bob" || n.Badge != 1 {
		t.Errorf("APNs got %+v", n)
	}

	// bob online now: m2 gives no offline push; carol (offline, no
	// tokens) gets one for m3, which was sent after it.
	env.SetOnline("bob", "gw-1", 3, "bob-web")
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "alice", "toId": "bob", "messageId": "m2", "messageBody": "again"}).WantCode(t, 200)
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "bob", "toId": "carol", "messageId": "m3", "messageBody": "hi"}).WantCode(t, 200)
	testwait.Until(t, 10*time.Second, "carol's push event", func() bool { return hooks.Count(webhook.PushOffline) == 2 })
	testwait.Never(t, 300*time.Millisecond, func() error {
		if n := hooks.Count(webhook.PushOffline); n != 2 {
			return fmt.Errorf("%d push.offline events, want 2 (none for the online bob)", n)
		}
		return nil
	})
	if len(fcm.Received()) != 1 || len(apns.Received()) != 1 {
		t.Errorf("provider sends for users without tokens: fcm %d apns %d", len(fcm.Received()), len(apns.Received()))
	}
}

// A failing provider is retried and reported in /metrics; the test push
// reports each provider's answer.
func TestPush_FailingProviderAndTestPush(t *testing.T) {
	env, fcm, apns := startPush(t)
	registerTokens(t, env)
	fcm.Reply(pushtest.Status(503, `{"error":{"code":503,"status":"UNAVAILABLE","message":"down"}}`))
	env.Call(env.Admin, "/v1/message/send", map[string]any{"fromId": "alice", "toId": "bob", "messageId": "m1", "messageBody": "hello"}).WantCode(t, 200)
	testwait.Until(t, 20*time.Second, "FCM's dead letter", func() bool {
		return strings.Contains(metrics(t, env), `im_domain_push_total{outcome="dead_letter",provider="fcm"} 1`)
	})
	m := metrics(t, env)
	if !strings.Contains(m, `im_domain_push_total{outcome="retried",provider="fcm"} 2`) || !strings.Contains(m, `im_domain_push_total{outcome="sent",provider="apns"} 1`) ||
		len(fcm.Received()) != 3 || len(apns.Received()) != 1 {
		t.Errorf("fcm %d apns %d, metrics:\n%s", len(fcm.Received()), len(apns.Received()), grepLines(m, "im_domain_push_total"))
	}

	apns.Reply(pushtest.Status(400, `{"reason":"BadDeviceToken"}`))
	var got []push.TestResult
	env.Call(env.Admin, "/v1/push/test", map[string]any{"userId": "bob", "title": "Ping"}).WantCode(t, 200).Decode(t, &got)
	if len(got) != 2 || got[0].Provider != "apns" || got[0].Status != 400 || got[0].Reason != "BadDeviceToken" ||
		got[1].Provider != "fcm" || got[1].Status != 503 || got[1].Reason == "" {
		t.Errorf("test push = %+v", got)
	}
	env.Call("bob", "/v1/push/test", map[string]any{"userId": "bob"}).WantCode(t, 2006)
	env.Call(env.Admin, "/v1/push/deleteToken", map[string]any{"userId": "bob", "clientType": 1, "imei": "iphone"}).WantCode(t, 200)
	var tokens []push.Token
	env.Call("bob", "/v1/push/getTokens", map[string]any{"userId": "bob"}).WantCode(t, 200).Decode(t, &tokens)
	if len(tokens) != 1 || tokens[0].Provider != "fcm" || tokens[0].IMEI != "pixel" {
		t.Errorf("tokens = %+v", tokens)
	}
}

func metrics(t *testing.T, env *apitest.Env) string {
	resp, err := env.Client.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
