package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq"
)

func TestVerdict(t *testing.T) {
	tests := []struct {
		code errcode.Code
		want *errcode.Error // nil: allowed
	}{
		{200, nil},
		{errcode.UserForbidden.Code, errcode.UserForbidden},
		{errcode.UserNotFound.Code, errcode.UserNotFound},
		{errcode.Unavailable.Code, errcode.Unavailable},
		{12345, errcode.Unavailable}, // unknown: refused as retryable, never allowed
	}
	for _, tt := range tests {
		err := verdict(tt.code)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("verdict(%d) = %v, want %v", tt.code, err, tt.want)
		}
	}
}

// The queue-backed ports on the in-process queue: the login check asks
// over request/reply and maps the answer; no answer refuses as retryable;
// uplinks publish persistently; the downlink comes in batches.
func TestQueuePortsOnInprocQueue(t *testing.T) {
	b, err := inproc.Open(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := t.Context()
	topo := mq.AuthTopology().Merge(mq.UplinkTopology(1, mq.Classic)).Merge(mq.DownlinkTopology("b1"))
	if err := b.Declare(ctx, topo); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig("b1")
	cfg.LoginCheckTimeout, cfg.DownlinkBatch = 300*time.Millisecond, 8
	d := Deps{Queue: b}.withQueue(cfg)

	if err := d.Users.CanLogin(ctx, 7, "alice"); !errors.Is(err, errcode.Unavailable) {
		t.Fatalf("login check nobody answers = %v, want Unavailable", err)
	}
	go b.Serve(ctx, mq.QueueAuth, func(_ context.Context, body []byte) ([]byte, error) {
		var r mq.AuthRequest
		_ = json.Unmarshal(body, &r)
		code := 200
		if r.UserID == "banned" {
			code = int(errcode.UserForbidden.Code)
		}
		return json.Marshal(mq.AuthReply{Version: mq.Version, Code: code})
	})
	if err := d.Users.CanLogin(ctx, 7, "alice"); err != nil {
		t.Fatalf("allowed user refused: %v", err)
	}
	if err := d.Users.CanLogin(ctx, 7, "banned"); !errors.Is(err, errcode.UserForbidden) {
		t.Fatalf("forbidden user = %v", err)
	}

	if err := d.Publisher.Publish(ctx, mq.ExchangeUplink, mq.UplinkKey(0), []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := b.Publish(ctx, mq.ExchangeDownlink, "b1", mq.Publishing{Body: []byte(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	var got [][]byte
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	go d.Subscriber.Consume(cctx, mq.DownlinkQueue("b1"), func(_ context.Context, bodies [][]byte) error {
		if len(bodies) > 8 {
			t.Errorf("batch of %d, want at most 8", len(bodies))
		}
		got = append(got, bodies...)
		if len(got) == 20 {
			stop()
		}
		return nil
	})
	<-cctx.Done()
	for i, body := range got {
		if string(body) != strconv.Itoa(i) {
			t.Fatalf("push %d = %q, out of order", i, body)
		}
	}
}
