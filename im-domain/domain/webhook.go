package domain

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// queueType is the configured type of the durable queues (classic when
// unset).
func (n *Node) queueType() mq.QueueType {
	if qt := n.cfg.Rabbit.QueueType; qt.Valid() {
		return qt
	}
	return mq.Classic
}

// webhooks declares the webhook queue and returns the callback client,
// whose delivery of after-callbacks runs under Run.
func (n *Node) webhooks(ctx context.Context, apps webhook.Apps, reg prometheus.Registerer) (*webhook.Client, error) {
	if err := n.queue.Declare(ctx, mq.WebhookTopology(n.queueType())); err != nil {
		return nil, fmt.Errorf("domain: declare webhook queue: %w", err)
	}
	hooks := webhook.New(apps, n.queue, newWebhookMetrics(reg), n.cfg.Webhook.policy(), n.log)
	n.runners = append(n.runners, hooks.Run)
	return hooks, nil
}

// webhookMetrics counts after-callback outcomes (webhook.Observer).
type webhookMetrics struct{ events *prometheus.CounterVec }

var _ webhook.Observer = webhookMetrics{}

func newWebhookMetrics(reg prometheus.Registerer) webhookMetrics {
	m := webhookMetrics{events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "im_domain_webhook_events_total",
		Help: "After-callback attempts by outcome: delivered, retried, dead_letter (out of attempts or refused), dropped (event switched off), unpublished (the queue refused it).",
	}, []string{"event", "outcome"})}
	reg.MustRegister(m.events)
	return m
}

func (m webhookMetrics) Outcome(event string, outcome webhook.Outcome) {
	m.events.WithLabelValues(event, string(outcome)).Inc()
}
