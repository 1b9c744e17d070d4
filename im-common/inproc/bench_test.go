package inproc_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
)

// BenchmarkDurablePublish is confirmed persistent publishes to a durable
// queue from parallel publishers, each confirm after its group commit's
// fsync, with a consumer acking: the standalone binary's uplink and store
// path. ns/op is per message.
func BenchmarkDurablePublish(b *testing.B) {
	f := mqtest.NewFixture()
	br := openFolder(b, b.TempDir(), f)
	name := f.Prefix + ".q"
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go br.ConsumeBatch(ctx, name, mq.BatchOptions{MaxBatch: 256, MaxWait: -1}, func(context.Context, []mq.Delivery) error { return nil })
	body := make([]byte, 300)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			msg := mq.Publishing{Body: body, MessageID: fmt.Sprint(i), Persistent: true}
			if err := br.Publish(ctx, f.Exchange, name, msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
