package rabbit

import (
	"errors"
	"fmt"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/whaleim/whaleim/im-common/mq"
)

func TestIntHeader(t *testing.T) {
	tests := []struct {
		v      any
		want   int64
		wantOK bool
	}{
		{int64(7), 7, true},
		{int32(7), 7, true},
		{int16(7), 7, true},
		{int8(7), 7, true},
		{7, 7, true},
		{uint8(7), 7, true},
		{uint16(7), 7, true},
		{uint32(7), 7, true},
		{"7", 0, false},
		{nil, 0, false},
		{1.5, 0, false},
	}
	for _, tt := range tests {
		got, ok := intHeader(amqp.Table{"h": tt.v}, "h")
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("intHeader(%T %v) = %d, %v; want %d, %v", tt.v, tt.v, got, ok, tt.want, tt.wantOK)
		}
	}
	if _, ok := intHeader(nil, "h"); ok {
		t.Error("intHeader(nil table) reported a value")
	}
}

func TestAttemptsCountsLocalFailures(t *testing.T) {
	a := newAttempts()
	d := amqp.Delivery{MessageId: "m1"}
	for want := 1; want <= 3; want++ {
		if got := a.of(d); got != want {
			t.Fatalf("attempt = %d, want %d", got, want)
		}
		a.fail(d)
		d.Redelivered = true // a failure requeues it: the broker flags the next delivery
	}
	a.forget(d)
	if got := a.of(d); got != 1 {
		t.Fatalf("after forget attempt = %d, want 1", got)
	}
}

// TestAttemptsFirstDeliveryIsFirstAttempt: a delivery the broker does not
// flag as redelivered is a new message (a republish reusing the id), and
// forgetting it leaves the count of the failing one alone.
func TestAttemptsFirstDeliveryIsFirstAttempt(t *testing.T) {
	a := newAttempts()
	failing := amqp.Delivery{MessageId: "m1", Redelivered: true}
	a.fail(failing)
	a.forget(amqp.Delivery{MessageId: "m1"})
	if got := a.of(amqp.Delivery{MessageId: "m1"}); got != 1 {
		t.Fatalf("fresh delivery attempt = %d, want 1", got)
	}
	if got := a.of(failing); got != 2 {
		t.Fatalf("redelivery attempt = %d, want 2", got)
	}
}

func TestAttemptsPrefersHigherBrokerCount(t *testing.T) {
	a := newAttempts()
	d := amqp.Delivery{MessageId: "m1", Redelivered: true, Headers: amqp.Table{"x-delivery-count": int64(4)}}
	if got := a.of(d); got != 5 {
		t.Fatalf("attempt = %d, want 5 (x-delivery-count 4 + 1)", got)
	}
	for range 6 {
		a.fail(d)
	}
	if got := a.of(d); got != 7 {
		t.Fatalf("attempt = %d, want 7 (local count wins when higher)", got)
	}
}

func TestAttemptsKeysByBodyWithoutMessageID(t *testing.T) {
	a := newAttempts()
	x := amqp.Delivery{RoutingKey: "k", Body: []byte("x"), Redelivered: true}
	y := amqp.Delivery{RoutingKey: "k", Body: []byte("y"), Redelivered: true}
	a.fail(x)
	if a.of(x) != 2 || a.of(y) != 1 {
		t.Fatalf("attempts x=%d y=%d, want 2 and 1", a.of(x), a.of(y))
	}
}

func TestAttemptsTableIsBounded(t *testing.T) {
	a := newAttempts()
	for i := range maxTracked + 5 {
		a.fail(amqp.Delivery{MessageId: fmt.Sprint(i)})
	}
	if len(a.failed) > maxTracked {
		t.Fatalf("table holds %d entries, bound is %d", len(a.failed), maxTracked)
	}
}

func TestToDeliveryHidesPublishTag(t *testing.T) {
	d := toDelivery(amqp.Delivery{MessageId: "m", Headers: amqp.Table{tagHeader: int64(3), "app": "x"}}, 2)
	if _, ok := d.Headers[tagHeader]; ok {
		t.Fatal("publish tag header leaked to the handler")
	}
	if d.Headers["app"] != "x" || d.Attempt != 2 || d.MessageID != "m" {
		t.Fatalf("delivery = %+v", d)
	}
}

func TestCallSafelyTurnsPanicIntoError(t *testing.T) {
	err := callSafely(func() error { panic("boom") })
	if err == nil || errors.Is(err, mq.ErrPermanent) {
		t.Fatalf("err = %v, want a transient error", err)
	}
}
