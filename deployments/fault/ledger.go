package fault

import (
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// sendState is what the sender saw of one message.
type sendState int

const (
	sending sendState = iota
	acked             // up-ACKed with a seq
	nacked            // refused for good
)

// msgRec is one attempted message.
type msgRec struct {
	id     string
	from   int    // sending device
	conv   string // conversation id
	group  string // group id, or "" for 1:1
	to     string // 1:1 receiver
	sentAt time.Time
	state  sendState
	seq    int64
	ackAt  time.Time
}

// recv is one app-level receive on a device.
type recv struct {
	seq  int64
	conv string
	at   time.Time
}

// ledger records every attempt, up-ACK and app receive of a run.
type ledger struct {
	mu        sync.Mutex
	msgs      map[string]*msgRec
	order     []*msgRec
	got       []map[string][]recv // per device: messageId -> receives
	wire      []map[string]int    // per device: messageId -> pushes on the wire (TCP devices)
	lastSeq   []map[string]int64  // per device: conversation -> last seq emitted
	orderViol int
	lastRecv  time.Time
	acks      int
	nacks     int
	delivered int
	reconn    int
	ackLat    []time.Duration
}

func newLedger(devices int) *ledger {
	l := &ledger{msgs: map[string]*msgRec{}}
	for range devices {
		l.got = append(l.got, map[string][]recv{})
		l.lastSeq = append(l.lastSeq, map[string]int64{})
		l.wire = append(l.wire, map[string]int{})
	}
	return l
}

// event records one SDK event of device d.
func (l *ledger) event(d int, ev whaleim.Event) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case whaleim.MessageStateChanged:
		m := l.msgs[e.MessageID]
		if m == nil || m.state != sending {
			return
		}
		switch e.State {
		case whaleim.Sent:
			m.state, m.seq, m.ackAt = acked, e.Seq, now
			l.acks++
			l.ackLat = append(l.ackLat, now.Sub(m.sentAt))
		case whaleim.Failed:
			m.state = nacked
			l.nacks++
		}
	case whaleim.MessageReceived:
		msg := e.Message
		l.got[d][msg.ID] = append(l.got[d][msg.ID], recv{seq: msg.Seq, conv: msg.Conversation, at: now})
		if msg.Seq <= l.lastSeq[d][msg.Conversation] {
			l.orderViol++
		}
		l.lastSeq[d][msg.Conversation] = msg.Seq
		l.delivered++
		l.lastRecv = now
	case whaleim.StateChanged:
		if e.State == whaleim.Reconnecting {
			l.reconn++
		}
	}
}

// wireRecv records a push of message id written to device d.
func (l *ledger) wireRecv(d int, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wire[d][id]++
}

// progress is a snapshot for the per-second line.
type progress struct {
	attempted, acked, nacked, delivered, reconnects int
	lastRecv                                        time.Time
}

func (l *ledger) progress() progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return progress{attempted: len(l.order), acked: l.acks, nacked: l.nacks, delivered: l.delivered,
		reconnects: l.reconn, lastRecv: l.lastRecv}
}
