package domain

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/push"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// PushConfig is the node's offline-push providers, parsed at start; nil
// providers are off.
type PushConfig struct {
	FCM         *push.ServiceAccount // IM_PUSH_FCM_CREDENTIALS: the service-account key file
	FCMEndpoint string               // IM_PUSH_FCM_ENDPOINT (default push.DefaultFCMEndpoint)
	FCMTokenURL string               // IM_PUSH_FCM_TOKEN_URL (default the key file's token_uri)
	APNs        *push.APNsConfig     // IM_PUSH_APNS_KEY (.p8 file), _KEY_ID, _TEAM_ID, _TOPIC, _ENDPOINT
	// Roots, when set, are the only CAs the providers' TLS trusts
	// (IM_PUSH_CA_FILE: a private gateway, a test fake).
	Roots *x509.CertPool
}

func loadPush(e *config.Env) PushConfig {
	var p PushConfig
	if path := e.String("IM_PUSH_FCM_CREDENTIALS", ""); path != "" {
		data, err := os.ReadFile(path)
		if err == nil {
			p.FCM, err = push.ParseServiceAccount(data)
		}
		e.Check(err == nil, "IM_PUSH_FCM_CREDENTIALS", "%v", err)
	}
	p.FCMEndpoint = e.String("IM_PUSH_FCM_ENDPOINT", push.DefaultFCMEndpoint)
	p.FCMTokenURL = e.String("IM_PUSH_FCM_TOKEN_URL", "")
	checkHTTPURL(e, "IM_PUSH_FCM_ENDPOINT", p.FCMEndpoint)
	checkHTTPURL(e, "IM_PUSH_FCM_TOKEN_URL", p.FCMTokenURL)
	if path := e.String("IM_PUSH_APNS_KEY", ""); path != "" {
		p.APNs = loadAPNs(e, path)
	}
	if path := e.String("IM_PUSH_CA_FILE", ""); path != "" {
		pem, err := os.ReadFile(path)
		p.Roots = x509.NewCertPool()
		e.Check(err == nil && p.Roots.AppendCertsFromPEM(pem), "IM_PUSH_CA_FILE", "not a readable PEM certificate file (%v)", err)
	}
	return p
}

func loadAPNs(e *config.Env, keyPath string) *push.APNsConfig {
	c := &push.APNsConfig{KeyID: e.String("IM_PUSH_APNS_KEY_ID", ""), TeamID: e.String("IM_PUSH_APNS_TEAM_ID", ""),
		Topic: e.String("IM_PUSH_APNS_TOPIC", ""), Endpoint: e.String("IM_PUSH_APNS_ENDPOINT", push.DefaultAPNsEndpoint)}
	data, err := os.ReadFile(keyPath)
	if err == nil {
		c.Key, err = push.ParseAPNsKey(data)
	}
	e.Check(err == nil, "IM_PUSH_APNS_KEY", "%v", err)
	e.Check(c.KeyID != "", "IM_PUSH_APNS_KEY_ID", "required with IM_PUSH_APNS_KEY (the key's id)")
	e.Check(c.TeamID != "", "IM_PUSH_APNS_TEAM_ID", "required with IM_PUSH_APNS_KEY")
	e.Check(c.Topic != "", "IM_PUSH_APNS_TOPIC", "required with IM_PUSH_APNS_KEY (the app's bundle id)")
	checkHTTPURL(e, "IM_PUSH_APNS_ENDPOINT", c.Endpoint)
	return c
}

// checkHTTPURL refuses a set value that is not an absolute http(s) URL.
func checkHTTPURL(e *config.Env, name, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	e.Check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", name, "an absolute http(s) URL, got %q", v)
}

// senders builds the configured providers.
func (p PushConfig) senders() map[string]push.Sender {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true // APNs speaks only HTTP/2
	if p.Roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: p.Roots, MinVersion: tls.VersionTLS12}
	}
	hc := &http.Client{Transport: tr, Timeout: 15 * time.Second}
	out := map[string]push.Sender{}
	if p.FCM != nil {
		out[push.FCM] = push.NewFCM(p.FCM, p.FCMEndpoint, p.FCMTokenURL, hc)
	}
	if p.APNs != nil {
		out[push.APNs] = push.NewAPNs(*p.APNs, hc)
	}
	return out
}

// offlinePush declares the offline-push queue and returns the service,
// whose delivery runs under Run.
func (n *Node) offlinePush(ctx context.Context, db *mariadb.DB, f features, hooks *webhook.Client, reg prometheus.Registerer) (*push.Service, error) {
	if err := n.queue.Declare(ctx, mq.OfflinePushTopology(n.queueType())); err != nil {
		return nil, fmt.Errorf("domain: declare offline push queue: %w", err)
	}
	svc := push.NewService(push.Deps{Store: db, Apps: f.apps, Webhooks: hooks, Unread: unreadTotal{f.convs}, Queue: n.queue,
		Senders: n.cfg.Push.senders(), Observer: newPushMetrics(reg), Log: n.log,
		Retry: n.cfg.Webhook.policy()})
	n.runners = append(n.runners, svc.Run)
	return svc, nil
}

// unreadTotal is the badge: the receiver's unread total.
type unreadTotal struct{ c *conversation.Service }

func (u unreadTotal) UnreadTotal(ctx context.Context, appID uint32, owner string) (int64, error) {
	r, err := u.c.UnreadCount(ctx, appID, owner)
	return r.Total, err
}

// pushMetrics counts provider outcomes (push.Observer).
type pushMetrics struct{ sends *prometheus.CounterVec }

func newPushMetrics(reg prometheus.Registerer) pushMetrics {
	m := pushMetrics{sends: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "im_domain_push_total",
		Help: "Offline push sends by provider and outcome: sent, retried, rejected (refused, or the token was unregistered), dead_letter, not_configured, unpublished.",
	}, []string{"provider", "outcome"})}
	reg.MustRegister(m.sends)
	return m
}

func (m pushMetrics) Outcome(provider string, outcome push.Outcome) {
	m.sends.WithLabelValues(provider, string(outcome)).Inc()
}
