package gateway

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// metrics are the gateway's Prometheus series, in a registry of its own so
// several gateways can run in one process (tests, the standalone binary).
type metrics struct {
	reg       *prometheus.Registry
	conns     *prometheus.GaugeVec
	framesIn  prometheus.Counter
	framesOut prometheus.Counter
	refused   *prometheus.CounterVec
	publish   prometheus.Histogram
	// batchSize, linger and batchFailures describe the uplink coalescer.
	// batchSize and linger are labelled by kind: send (message sends,
	// recalls) or control (receive-ACKs, reads), coalesced apart.
	batchSize     *prometheus.HistogramVec
	linger        *prometheus.HistogramVec
	batchFailures prometheus.Counter
	// waits counts the times a read loop paused, by reason (send or control
	// budget, write queue, uplink queue).
	waits *prometheus.CounterVec
	kicks prometheus.Counter
	slow  prometheus.Counter
	// typingDropped counts typing frames over a device's typing limit.
	typingDropped prometheus.Counter
	// pushesDelivered and pushesSkipped are the two series of
	// im_gateway_pushes_total, resolved once: the downlink adds to them per
	// message.
	pushesDelivered, pushesSkipped prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "im_gateway_connections",
			Help: "Open client connections."}, []string{"transport"}),
		framesIn: prometheus.NewCounter(prometheus.CounterOpts{Name: "im_gateway_frames_in_total",
			Help: "Uplink frames decoded."}),
		framesOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "im_gateway_frames_out_total",
			Help: "Downlink frames written."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "im_gateway_refused_total",
			Help: "Uplink frames answered with an error, by error code."}, []string{"code"}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "im_gateway_publish_seconds",
			Help: "Latency of one uplink batch publish, broker confirm included.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 17)}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "im_gateway_uplink_batch_size",
			Help: "Uplinks per published batch, by kind (send, control).", Buckets: prometheus.ExponentialBuckets(1, 2, 11)}, []string{"kind"}),
		linger: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "im_gateway_uplink_linger_seconds",
			Help:    "Time the oldest uplink of a batch waited before its publish began, by kind (send, control).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 17)}, []string{"kind"}),
		batchFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "im_gateway_uplink_batch_failures_total",
			Help: "Uplink batches not confirmed; every uplink in them was refused as retryable."}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "im_gateway_read_waits_total",
			Help: "Times a connection's read loop paused instead of reading, by reason."}, []string{"reason"}),
		kicks: prometheus.NewCounter(prometheus.CounterOpts{Name: "im_gateway_kicks_total",
			Help: "Devices displaced by the multi-device policy."}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{Name: "im_gateway_slow_consumers_total",
			Help: "Connections dropped because their write queue was full."}),
		typingDropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "im_gateway_typing_dropped_total",
			Help: "Typing frames dropped by the per-device typing limit."}),
	}
	pushes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "im_gateway_pushes_total",
		Help: "Downlink push targets, delivered here or skipped."}, []string{"result"})
	m.pushesDelivered, m.pushesSkipped = pushes.WithLabelValues("delivered"), pushes.WithLabelValues("skipped")
	m.reg.MustRegister(m.conns, m.framesIn, m.framesOut, m.refused, m.publish, m.batchSize, m.linger, m.batchFailures, m.waits, m.kicks, m.slow, m.typingDropped, pushes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func codeLabel(c errcode.Code) string { return strconv.Itoa(int(c)) }
