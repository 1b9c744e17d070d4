package store

import (
	"time"

	"github.com/whaleim/whaleim/im-common/config"
)

// Config is everything the store needs. Load reads it from IM_* variables;
// the standalone binary may build it directly.
type Config struct {
	MySQL  config.MySQL
	Rabbit config.Rabbit
	Log    config.Log

	// Batch is the most deliveries written in one transaction
	// (IM_STORE_BATCH, default 200). Each delivery is a StoreBatch of the
	// domain (many records) or a single record.
	Batch int
	// BatchWait is how long a batch may wait to fill after its first record
	// (IM_STORE_BATCH_WAIT, default 20ms): the latency paid at low load.
	BatchWait time.Duration
	// Prefetch is how many unacked deliveries the broker sends ahead
	// (IM_STORE_PREFETCH, default 2*Batch so the next batch fills while the
	// current one commits).
	Prefetch int
	// RetryBudget is how long a batch is retried in process on a database
	// error before it is handed back to the broker (IM_STORE_RETRY_BUDGET,
	// default 1m). Retrying in process keeps a database outage from using
	// up the records' delivery limit; the budget stays far below the
	// broker's 30 min consumer timeout.
	RetryBudget time.Duration
	// HTTPAddr serves /healthz, /readyz and /metrics (IM_HTTP_ADDR, default
	// :18100); empty disables it.
	HTTPAddr string
	// Pprof serves the Go runtime profiles under /debug/pprof/ on the
	// HTTPAddr listener, to loopback clients only (IM_PPROF, default
	// false).
	Pprof bool
	// MQPrefix is prepended to every exchange and queue name of the store
	// topology (IM_MQ_PREFIX, default none). Tests use it to isolate
	// themselves on a shared broker.
	MQPrefix string
}

// Load reads the configuration through getenv (os.Getenv in main) and
// reports every problem at once.
func Load(getenv func(string) string) (Config, error) {
	e := config.NewEnv(getenv)
	c := Config{
		MySQL:       config.LoadMySQL(e),
		Rabbit:      config.LoadRabbit(e),
		Log:         config.LoadLog(e),
		Batch:       e.Int("IM_STORE_BATCH", 200),
		BatchWait:   e.Duration("IM_STORE_BATCH_WAIT", 20*time.Millisecond),
		RetryBudget: e.Duration("IM_STORE_RETRY_BUDGET", time.Minute),
		HTTPAddr:    e.String("IM_HTTP_ADDR", ":18100"),
		MQPrefix:    e.String("IM_MQ_PREFIX", ""),
		Pprof:       e.Bool("IM_PPROF", false),
	}
	c.Prefetch = e.Int("IM_STORE_PREFETCH", 2*c.Batch)
	e.Check(c.Batch >= 1 && c.Batch <= 5000, "IM_STORE_BATCH", "must be 1..5000, got %d", c.Batch)
	e.Check(c.BatchWait > 0, "IM_STORE_BATCH_WAIT", "must be > 0")
	e.Check(c.Prefetch >= c.Batch, "IM_STORE_PREFETCH", "must be at least IM_STORE_BATCH (%d), got %d", c.Batch, c.Prefetch)
	e.Check(c.RetryBudget > 0 && c.RetryBudget <= 20*time.Minute, "IM_STORE_RETRY_BUDGET", "must be in (0, 20m]")
	e.CheckAddr("IM_HTTP_ADDR", c.HTTPAddr)
	return c, e.Err()
}
