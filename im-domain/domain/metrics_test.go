package domain

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/whaleim/whaleim/im-domain/internal/message"
)

func TestPipelineMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newPipelineMetrics(reg)
	m.Stage(message.StageStorePublish, 3*time.Millisecond)
	m.Batch(message.BatchUplinks, 40)
	m.Batch(message.BatchUplinks, 2)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			got[f.GetName()+"/"+s.GetLabel()[0].GetValue()] = s.GetHistogram().GetSampleCount()
		}
	}
	if got["im_domain_pipeline_stage_seconds/store_publish"] != 1 || got["im_domain_pipeline_batch_size/uplinks"] != 2 {
		t.Fatalf("samples %v", got)
	}
}
