package store

import (
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.Batch != 200 || c.BatchWait != 20*time.Millisecond || c.Prefetch != 400 || c.HTTPAddr != ":18100" || c.MQPrefix != "" || c.Pprof {
		t.Errorf("defaults = %+v", c)
	}
	c, err = Load(env(map[string]string{"IM_STORE_BATCH": "50", "IM_MQ_PREFIX": "t.", "IM_HTTP_ADDR": "127.0.0.1:0", "IM_PPROF": "true"}))
	if err != nil || c.Batch != 50 || c.Prefetch != 100 || c.MQPrefix != "t." || !c.Pprof {
		t.Errorf("overrides = %+v, %v", c, err)
	}
	_, err = Load(env(map[string]string{
		"IM_STORE_BATCH": "0", "IM_STORE_BATCH_WAIT": "soon", "IM_STORE_PREFETCH": "1",
		"IM_STORE_RETRY_BUDGET": "1h", "IM_HTTP_ADDR": "nope", "IM_RABBIT_QUEUE_TYPE": "stream",
	}))
	for _, key := range []string{"IM_STORE_BATCH:", "IM_STORE_BATCH_WAIT", "IM_STORE_RETRY_BUDGET", "IM_HTTP_ADDR", "IM_RABBIT_QUEUE_TYPE"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}
