package store

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the store's Prometheus series, all prefixed im_store_.
type metrics struct {
	batches    *prometheus.CounterVec // result: ok|failed
	inserted   prometheus.Counter
	duplicates prometheus.Counter
	recalled   prometheus.Counter
	dead       *prometheus.CounterVec // reason: one of the kind* constants
	retries    prometheus.Counter
	commit     prometheus.Histogram
	records    prometheus.Histogram // records written per transaction
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "im_store_batches_total", Help: "Batches handled, by result (ok: committed and acked; failed: handed back to the broker).",
		}, []string{"result"}),
		inserted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "im_store_rows_inserted_total", Help: "Message rows created.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "im_store_duplicates_total", Help: "Insert records ignored because the message was already stored (redelivery or resend).",
		}),
		recalled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "im_store_recalled_total", Help: "Messages marked recalled.",
		}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "im_store_dead_lettered_total", Help: "Records refused and sent to the dead-letter queue, by reason.",
		}, []string{"reason"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "im_store_write_retries_total", Help: "In-process retries of a failed batch write.",
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "im_store_commit_seconds", Help: "Duration of one batch transaction, begin to commit.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		records: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "im_store_batch_records", Help: "Valid records of one consumer batch, written in one transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 13),
		}),
	}
	reg.MustRegister(m.batches, m.inserted, m.duplicates, m.recalled, m.dead, m.retries, m.commit, m.records)
	for _, k := range []string{kindUndecodable, kindUnsupported, kindInvalid, kindConflict, kindData} {
		m.dead.WithLabelValues(k) // export zeros, so alerts see the series before the first refusal
	}
	m.batches.WithLabelValues("ok")
	m.batches.WithLabelValues("failed")
	return m
}

// record counts a committed, acked batch.
func (m *metrics) record(r result) {
	m.batches.WithLabelValues("ok").Inc()
	m.inserted.Add(float64(r.Inserted))
	m.duplicates.Add(float64(r.Duplicates))
	m.recalled.Add(float64(r.Recalled))
}

// newRegistry is the registry of a standalone store: its own series plus the
// Go runtime and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
