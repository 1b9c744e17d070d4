package rabbit

import (
	"errors"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
)

// TestWatchCorrelatesReturnsAndConfirms replays what the library's reader
// does on one channel: a return is pushed before the confirm of the same
// tag, and confirms may arrive out of publish order.
func TestWatchCorrelatesReturnsAndConfirms(t *testing.T) {
	confirms := make(chan amqp.Confirmation, 16)
	returns := make(chan amqp.Return, 16)
	o := newOutstanding()
	verdicts := map[uint64]chan error{}
	for tag := uint64(1); tag <= 6; tag++ {
		verdicts[tag] = make(chan error, 1)
		if !o.add(tag, verdicts[tag]) {
			t.Fatal("add refused on an open channel")
		}
	}
	done := make(chan struct{})
	go func() { o.watch(confirms, returns); close(done) }()

	ret := func(tag uint64) {
		returns <- amqp.Return{ReplyCode: 312, ReplyText: "NO_ROUTE", Headers: amqp.Table{tagHeader: int64(tag)}}
	}
	ret(3) // unroutable 3 is confirmed at once, before routed 1 and 2
	confirms <- amqp.Confirmation{DeliveryTag: 3, Ack: true}
	confirms <- amqp.Confirmation{DeliveryTag: 1, Ack: true}
	ret(5)
	confirms <- amqp.Confirmation{DeliveryTag: 2, Ack: false}
	confirms <- amqp.Confirmation{DeliveryTag: 5, Ack: true}
	confirms <- amqp.Confirmation{DeliveryTag: 4, Ack: true}
	close(confirms) // the channel died with 6 outstanding
	close(returns)
	<-done

	want := map[uint64]error{1: nil, 2: ErrNacked, 3: ErrUnroutable, 4: nil, 5: ErrUnroutable, 6: ErrNotConfirmed}
	for tag, w := range want {
		select {
		case got := <-verdicts[tag]:
			if !errors.Is(got, w) || (w == nil && got != nil) {
				t.Errorf("tag %d: verdict %v, want %v", tag, got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("tag %d: no verdict", tag)
		}
	}
	if o.add(7, make(chan error, 1)) {
		t.Fatal("add accepted a publish on a closed channel")
	}
}

func TestPublishingCopiesHeadersAndSetsMode(t *testing.T) {
	h := map[string]any{"app": "x"}
	p := publishing(mq.Publishing{Body: []byte("b"), Headers: h, Persistent: true, Expiration: 1500 * time.Millisecond, MessageID: "m"}, 9)
	if _, ok := h[tagHeader]; ok {
		t.Fatal("publishing modified the caller's headers")
	}
	if p.Headers[tagHeader] != int64(9) || p.Headers["app"] != "x" {
		t.Fatalf("headers = %v", p.Headers)
	}
	if p.DeliveryMode != amqp.Persistent || p.Expiration != "1500" || p.MessageId != "m" {
		t.Fatalf("publishing = %+v", p)
	}
	if q := publishing(mq.Publishing{}, 1); q.DeliveryMode != amqp.Transient || q.Expiration != "" {
		t.Fatalf("default publishing = %+v", q)
	}
}

func TestCollect(t *testing.T) {
	feed := func(n int, closeIt bool) <-chan amqp.Delivery {
		c := make(chan amqp.Delivery, n)
		for i := range n {
			c <- amqp.Delivery{DeliveryTag: uint64(i + 1)}
		}
		if closeIt {
			close(c)
		}
		return c
	}
	tests := []struct {
		name    string
		in      <-chan amqp.Delivery
		max     int
		wait    time.Duration
		wantLen int
		wantErr error
	}{
		{"full batch", feed(10, false), 4, 20 * time.Millisecond, 4, nil},
		{"partial batch after max wait", feed(3, false), 4, 20 * time.Millisecond, 3, nil},
		{"stream closed mid batch", feed(2, true), 4, 20 * time.Millisecond, 0, errStreamClosed},
		{"stream closed before first", feed(0, true), 4, 20 * time.Millisecond, 0, errStreamClosed},
		{"no wait: what arrived", feed(3, false), 4, -1, 3, nil},
		{"no wait: full batch", feed(10, false), 4, -1, 4, nil},
		{"no wait: stream closed mid batch", feed(2, true), 4, -1, 0, errStreamClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t.Context(), tt.in, tt.max, tt.wait)
			if !errors.Is(err, tt.wantErr) || len(got) != tt.wantLen {
				t.Fatalf("collect = %d deliveries, %v; want %d, %v", len(got), err, tt.wantLen, tt.wantErr)
			}
		})
	}
}
