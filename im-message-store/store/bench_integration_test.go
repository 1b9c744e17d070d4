//go:build integration

package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// BenchmarkMySQLWrite measures batch inserts of new messages into a real
// MariaDB, one transaction per batch, as the consumer issues them, with
// and without the client-side interpolation openMySQL turns on. Batches of
// 1 are what one-record deliveries gave; 50 and 500 what StoreBatch
// deliveries give under load. The figure is the rows/s metric.
func BenchmarkMySQLWrite(b *testing.B) {
	for _, interpolate := range []bool{false, true} {
		for _, size := range []int{1, 50, 500} {
			b.Run(fmt.Sprintf("batch=%d/interpolate=%t", size, interpolate), func(b *testing.B) {
				dsn, _ := testDatabase(b)
				cfg, err := mysqldriver.ParseDSN(dsn)
				if err != nil {
					b.Fatal(err)
				}
				cfg.InterpolateParams = interpolate // one round trip per statement instead of prepare+execute+close
				db, err := gorm.Open(mysql.Open(cfg.FormatDSN()), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
				if err != nil {
					b.Fatal(err)
				}
				w := newMySQLWriter(db)
				next := 0
				batch := make([]mq.StoreRecord, size)
				for b.Loop() {
					for i := range batch {
						batch[i] = insert(message(next))
						next++
					}
					if _, err := w.Write(b.Context(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// TestStore_Throughput measures the whole path: a backlog of records in
// RabbitMQ drained into MySQL by one in-process store.
func TestStore_Throughput(t *testing.T) {
	dsn, db := testDatabase(t)
	url, prefix := testBroker(t, mq.Quorum)
	pub := newTestPublisher(t, url, prefix, mq.Quorum)
	const n = 30000
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := pub.send(context.Background(), insert(message(i))); err != nil {
					t.Errorf("publish: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	published := time.Since(start)

	cfg := testConfig(dsn, url, prefix, mq.Quorum)
	reg := prometheus.NewRegistry()
	start = time.Now()
	startStore(t, cfg, Deps{Log: testLog(t), Metrics: reg})
	testwait.Until(t, 120*time.Second, "backlog drained", func() bool { return countRows(t, db, "") == n })
	drained := time.Since(start)
	t.Logf("throughput: published %d confirmed records in %v (%.0f/s); store drained them in %v (%.0f rows/s, batch %d)",
		n, published.Round(time.Millisecond), n/published.Seconds(), drained.Round(time.Millisecond), n/drained.Seconds(), cfg.Batch)
}
