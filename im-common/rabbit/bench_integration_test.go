//go:build integration

package rabbit

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
)

// BenchmarkPublishConfirmed measures confirmed, persistent, mandatory
// publishes to a durable queue from many goroutines:
//
//	go test -tags integration -run - -bench PublishConfirmed -cpu 1 ./rabbit/
func BenchmarkPublishConfirmed(b *testing.B) {
	for _, qt := range []mq.QueueType{mq.Classic, mq.Quorum} {
		b.Run(string(qt), func(b *testing.B) { benchPublish(b, qt) })
	}
}

func benchPublish(b *testing.B, qt mq.QueueType) {
	p := uniquePrefix(b)
	q := p + ".q"
	topo := flow(p, mq.Queue{Name: q, Type: qt, Durable: true})
	deleteAtCleanup(b, testURL(), topo)
	c := startConn(b, testURL(), topo)
	pub := c.Publisher(0)
	body := make([]byte, 512)
	var n atomic.Int64
	b.SetParallelism(64) // goroutines per GOMAXPROCS, like many gateway sessions
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)
			if err := pub.Publish(b.Context(), p+".x", q, mq.Publishing{Body: body, MessageID: fmt.Sprint(id), Persistent: true}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
}
