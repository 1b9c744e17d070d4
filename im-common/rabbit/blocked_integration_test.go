//go:build integration

package rabbit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit/rabbittest"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// TestPublishFailsFastWhileBrokerBlocks raises a memory alarm on a private
// broker: once the broker has blocked the connection, Publish returns
// ErrBlocked at once so the gateway can push back, and publishing resumes
// when the alarm clears.
func TestPublishFailsFastWhileBrokerBlocks(t *testing.T) {
	b := rabbittest.Start(t)
	p := uniquePrefix(t)
	q := p + ".q"
	topo := flow(p, mq.Queue{Name: q, Type: mq.Classic, Durable: true})
	c := startConn(t, b.URL(), topo)
	pub := c.Publisher(1)
	publishOK(t, pub, p+".x", q, mq.Publishing{Body: []byte("before")})

	b.Ctl(t, "set_vm_memory_high_watermark", "0.000001")
	var last error
	testwait.Until(t, 20*time.Second,

		"publish refused with ErrBlocked", func() bool {
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			last = pub.Publish(ctx, p+".x", q, mq.Publishing{Body: []byte("during")})
			return errors.Is(last, ErrBlocked)
		})

	if !c.Blocked() {
		t.Fatal("Blocked() = false while the broker blocks the connection")
	}
	start := time.Now()
	if err := pub.Publish(t.Context(), p+".x", q, mq.Publishing{}); !errors.Is(err, ErrBlocked) || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("publish while blocked = %v after %v, want ErrBlocked at once", err, time.Since(start))
	}

	b.Ctl(t, "set_vm_memory_high_watermark", "0.4")
	testwait.Until(t, 20*time.Second, "connection unblocked", func() bool { return !c.Blocked() })
	publishOK(t, pub, p+".x", q, mq.Publishing{Body: []byte("after")})
}
