package domain

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-domain/internal/message"
)

// pipelineMetrics exports the message pipeline's stage latencies and batch
// sizes (message.Observer).
type pipelineMetrics struct {
	stages  *prometheus.HistogramVec
	batches *prometheus.HistogramVec
}

var _ message.Observer = (*pipelineMetrics)(nil)

func newPipelineMetrics(reg prometheus.Registerer) *pipelineMetrics {
	m := &pipelineMetrics{
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "im_domain_pipeline_stage_seconds",
			Help:    "Time one batch spent in a stage of the message pipeline.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16), // 50us .. 1.6s
		}, []string{"stage"}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "im_domain_pipeline_batch_size",
			Help:    "Commands per uplink batch, records per store publish, pushes per push batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12), // 1 .. 2048
		}, []string{"kind"}),
	}
	reg.MustRegister(m.stages, m.batches)
	return m
}

func (m *pipelineMetrics) Stage(stage string, d time.Duration) {
	m.stages.WithLabelValues(stage).Observe(d.Seconds())
}

func (m *pipelineMetrics) Batch(kind string, n int) {
	m.batches.WithLabelValues(kind).Observe(float64(n))
}
