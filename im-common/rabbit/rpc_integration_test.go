//go:build integration

package rabbit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// TestCall_CompetingServers: concurrent calls through two servers of one
// queue each get their own reply.
func TestCall_CompetingServers(t *testing.T) {
	p := uniquePrefix(t)
	queue := p + ".rpc"
	topo := mq.Topology{Queues: []mq.Queue{{Name: queue, Type: mq.Classic}}}
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	for range 2 {
		background(t, func(ctx context.Context) error {
			return c.Serve(ctx, queue, func(_ context.Context, body []byte) ([]byte, error) {
				return append([]byte("re:"), body...), nil
			})
		})
	}
	caller := c.Caller()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			body := strconv.Itoa(i)
			got, err := caller.Call(ctx, queue, []byte(body))
			if err != nil || string(got) != "re:"+body {
				errs <- fmt.Errorf("call %d = %q, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCall_Failures: an unknown queue fails at once, an unserved queue or
// a responder that gives up fails when the caller's time is over, and the
// unanswered request expires instead of waiting for a server.
func TestCall_Failures(t *testing.T) {
	p := uniquePrefix(t)
	unserved, failing := p+".unserved", p+".failing"
	topo := mq.Topology{Queues: []mq.Queue{{Name: unserved, Type: mq.Classic}, {Name: failing, Type: mq.Classic}}}
	deleteAtCleanup(t, testURL(), topo)
	c := startConn(t, testURL(), topo)
	background(t, func(ctx context.Context) error {
		return c.Serve(ctx, failing, func(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") })
	})
	caller := c.Caller()
	tests := []struct {
		name  string
		queue string
		want  error
	}{
		{"no such queue", p + ".missing", ErrUnroutable},
		{"nobody serves", unserved, ErrNoReply},
		{"responder fails", failing, ErrNoReply},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			if _, err := caller.Call(ctx, tt.queue, []byte("x")); !errors.Is(err, tt.want) {
				t.Fatalf("Call = %v, want %v", err, tt.want)
			}
		})
	}
	ac := admin(t, testURL())
	testwait.Until(t, 5*time.Second, "the unanswered request expired", func() bool {
		n, _ := queueState(t, ac, unserved)
		return n == 0
	})
	// The caller still works after failures.
	background(t, func(ctx context.Context) error {
		return c.Serve(ctx, unserved, func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if got, err := caller.Call(ctx, unserved, []byte("ok")); err != nil || string(got) != "ok" {
		t.Fatalf("Call after failures = %q, %v", got, err)
	}
}
