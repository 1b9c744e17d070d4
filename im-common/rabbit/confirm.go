package rabbit

import (
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
)

// outstanding tracks the publishes of one channel that wait for a confirm.
type outstanding struct {
	mu      sync.Mutex
	waiting map[uint64]chan<- error
	closed  bool
}

func newOutstanding() *outstanding {
	return &outstanding{waiting: make(map[uint64]chan<- error)}
}

// add registers a publish; false means the channel is already gone.
func (o *outstanding) add(tag uint64, verdict chan<- error) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.waiting[tag] = verdict
	return true
}

func (o *outstanding) drop(tag uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.waiting, tag)
}

func (o *outstanding) isClosed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed
}

func (o *outstanding) resolve(tag uint64, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if v, ok := o.waiting[tag]; ok {
		v <- err // buffered, and each tag resolves once
		delete(o.waiting, tag)
	}
}

// fail resolves every waiting publish with ErrNotConfirmed: the broker may or
// may not have the message, so the caller has to republish.
func (o *outstanding) fail() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	for tag, v := range o.waiting {
		v <- ErrNotConfirmed
		delete(o.waiting, tag)
	}
}

// watch turns the channel's confirms and returns into verdicts until the
// channel closes.
//
// Why a return is never missed: for a mandatory message the broker sends
// basic.return before the basic.ack, and the library pushes both into our
// buffered channels from its one frame-reader goroutine, in that order (it
// may hold an ack back to resequence, never a return). So when the confirm
// of tag T is read here, the return of T is already in the returns buffer,
// and draining that buffer first finds it. Returns are matched by the tag
// carried in tagHeader, not by arrival order, because confirms may come out
// of order (an unroutable message is confirmed at once, a routed one only
// after it is written).
func (o *outstanding) watch(confirms <-chan amqp.Confirmation, returns <-chan amqp.Return) {
	returned := map[uint64]amqp.Return{}
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				returns = nil
				continue
			}
			keepReturn(returned, r)
		case c, ok := <-confirms:
			if !ok {
				o.fail()
				drain(returns)
				return
			}
			returns = drainReturns(returns, returned)
			o.resolve(c.DeliveryTag, verdictOf(c, returned))
		}
	}
}

func keepReturn(returned map[uint64]amqp.Return, r amqp.Return) {
	if tag, ok := intHeader(r.Headers, tagHeader); ok {
		returned[uint64(tag)] = r
	}
}

// drainReturns moves every buffered return into returned without blocking;
// it returns nil once the returns channel is closed.
func drainReturns(returns <-chan amqp.Return, returned map[uint64]amqp.Return) <-chan amqp.Return {
	for returns != nil {
		select {
		case r, ok := <-returns:
			if !ok {
				return nil
			}
			keepReturn(returned, r)
		default:
			return returns
		}
	}
	return nil
}

// drain keeps reading returns after the channel closed so the library's
// reader can never block on us.
func drain(returns <-chan amqp.Return) {
	if returns == nil {
		return
	}
	for range returns {
	}
}

func verdictOf(c amqp.Confirmation, returned map[uint64]amqp.Return) error {
	if r, ok := returned[c.DeliveryTag]; ok {
		delete(returned, c.DeliveryTag)
		return fmt.Errorf("%w: %d %s (exchange %q, key %q)", ErrUnroutable, r.ReplyCode, r.ReplyText, r.Exchange, r.RoutingKey)
	}
	if !c.Ack {
		return ErrNacked
	}
	return nil
}
