package rabbit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
)

func TestDialGivesUpWhenCtxEnds(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err = Dial(ctx, "amqp://guest:guest@"+addr+"/", mq.Topology{}, log, WithBackoff(10*time.Millisecond, 50*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial = %v, want a deadline error", err)
	}
}
