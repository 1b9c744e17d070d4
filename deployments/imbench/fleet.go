package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	imdevice "github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// Event buffers: an active device's loop drains promptly; an idle one
// gets nothing, and each buffer is allocated up front.
const (
	activeEventBuffer = 1024
	idleEventBuffer   = 16
)

// conv is one conversation of a scenario: one sending device, the devices
// expected to receive each of its messages, and the seqs it got up-ACKed.
type conv struct {
	toID, groupID string
	key           string // how a receiver names it: the sender (1:1) or the group
	sender        *device
	receivers     []*device

	mu    sync.Mutex
	acked bitset
}

// pend is a send awaiting its up-ACK.
type pend struct {
	ph       *phase
	intended int64 // unix ns
}

// device is one logged-in connection and what it saw.
type device struct {
	idx  int
	user string
	c    *imclient.Client
	conv *conv // what it sends to; nil for a receiver
	done chan struct{}

	mu      sync.Mutex
	pending map[string]pend
	streams map[string]*stream
}

// connectAll logs every user in, connectWorkers at a time; the first
// failure cancels the rest and is returned.
func (r *run) connectAll(ctx context.Context, users []string, buffer int) ([]*device, error) {
	devs := make([]*device, len(users))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range r.cfg.connectWorkers {
		wg.Go(func() {
			for i := range jobs {
				d, err := r.connect(ctx, users[i], buffer)
				if err != nil {
					cancel(err)
					continue
				}
				devs[i] = d
			}
		})
	}
	for i := range users {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		closeAll(devs)
		return nil, err
	}
	return devs, nil
}

func (r *run) connect(ctx context.Context, user string, buffer int) (*device, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dev := imclient.Device{AppID: r.cfg.appID, Type: imdevice.Android, IMEI: "imbench-" + user}
	var c *imclient.Client
	var err error
	if r.cfg.transport == "tcp" {
		c, err = imclient.DialTCP(ctx, r.cfg.tcpAddr, dev, imclient.WithEventBuffer(buffer))
	} else {
		c, err = imclient.DialWebSocket(ctx, r.cfg.wsURL, dev, imclient.WithEventBuffer(buffer))
	}
	if err != nil {
		return nil, fmt.Errorf("gateway not reachable (-transport %s): %w", r.cfg.transport, err)
	}
	sign, err := usersign.Generate([]byte(r.cfg.secret), r.cfg.appID, user, time.Now(), 24*time.Hour)
	if err == nil {
		err = c.Login(ctx, user, sign)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	d := &device{idx: int(r.devices.Add(1)), user: user, c: c, done: make(chan struct{}),
		pending: map[string]pend{}, streams: map[string]*stream{}}
	go r.serve(d)
	return d, nil
}

// closeAll closes every device and waits for its event loop to end.
func closeAll(devs []*device) {
	for _, d := range devs {
		if d != nil {
			d.c.Close()
		}
	}
	for _, d := range devs {
		if d != nil {
			<-d.done
		}
	}
}

// serve handles a device's downlink until the connection ends.
func (r *run) serve(d *device) {
	defer close(d.done)
	for env := range d.c.Events() {
		switch env.Command {
		case command.MessageAck, command.GroupMessageAck:
			r.onAck(d, env)
		case command.MessageP2P, command.GroupMessage:
			r.onDeliver(d, env)
		}
	}
	r.clientDropped.Add(int64(d.c.Dropped()))
}

func (r *run) onAck(d *device, env payload.Envelope) {
	var a payload.MessageAck
	_ = json.Unmarshal(env.Data, &a)
	id := env.MessageID
	var seq int64
	if a.Data != nil {
		seq = a.Data.MessageSequence
		if a.Data.MessageID != "" {
			id = a.Data.MessageID
		}
	}
	d.mu.Lock()
	p, ok := d.pending[id]
	delete(d.pending, id)
	d.mu.Unlock()
	if !ok {
		r.unexpected.Add(1)
		return
	}
	r.inflight.Add(-1)
	now := time.Now()
	p.ph.ack.record(d.idx, now.Sub(time.Unix(0, p.intended)))
	p.ph.lastAck.Store(now.UnixNano())
	if a.Code != errcode.Success.Code {
		p.ph.refused.Add(1)
		r.noteRefusal(a.Code, a.Msg)
		return
	}
	c := d.sending()
	c.mu.Lock()
	_, okSeq := c.acked.add(seq)
	c.mu.Unlock()
	if !okSeq {
		r.badSeq.Add(1)
	}
	p.ph.acked.Add(1)
	r.acked.Add(1)
}

func (r *run) onDeliver(d *device, env payload.Envelope) {
	var m payload.Message
	if json.Unmarshal(env.Data, &m) != nil {
		r.unexpected.Add(1)
		return
	}
	ph, intended, ok := r.parseBody(m.MessageBody)
	if !ok || d.sending() != nil {
		r.unexpected.Add(1) // not ours, or an echo to a sending device
		return
	}
	key := m.FromID
	if m.GroupID != "" {
		key = m.GroupID
	}
	d.mu.Lock()
	s := d.streams[key]
	if s == nil {
		s = &stream{}
		d.streams[key] = s
	}
	v := s.deliver(m.MessageSequence)
	d.mu.Unlock()
	r.count(ph, d, v, time.Unix(0, intended))
	if m.GroupID == "" {
		_ = d.c.ReceiveAck(payload.ReceiveAck{MessageID: m.MessageID, MessageKey: m.MessageKey,
			MessageSequence: m.MessageSequence, FromID: d.user, ToID: m.FromID})
	}
}

// count books one delivery: only a first, in-order or late, delivery
// counts as delivered and has a latency.
func (r *run) count(ph *phase, d *device, v verdict, intended time.Time) {
	switch v {
	case duplicate:
		ph.dup.Add(1)
		return
	case badSeq:
		r.badSeq.Add(1)
		return
	case outOfOrder:
		ph.ooo.Add(1)
	}
	now := time.Now()
	ph.e2e.record(d.idx, now.Sub(intended))
	ph.delivered.Add(1)
	ph.lastDelivery.Store(now.UnixNano())
	r.delivered.Add(1)
}

// body encodes the phase and the intended send time; the receiver reads
// them back, so latency needs no shared table.
func (r *run) body(ph *phase, intended int64) string {
	s := strconv.Itoa(ph.id) + ":" + strconv.FormatInt(intended, 10) + ":"
	return s + r.padding[:max(0, r.cfg.bodySize-len(s))]
}

func (r *run) parseBody(b string) (*phase, int64, bool) {
	id, rest, ok1 := strings.Cut(b, ":")
	ts, _, ok2 := strings.Cut(rest, ":")
	n, err1 := strconv.Atoi(id)
	t, err2 := strconv.ParseInt(ts, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return nil, 0, false
	}
	ph := r.phase(n)
	return ph, t, ph != nil
}

// lost counts, per conversation and expected receiver, the up-ACKed seqs
// the receiver never got.
func lost(convs []*conv) int64 {
	var n int64
	for _, c := range convs {
		c.mu.Lock()
		acked := c.acked
		for _, rd := range c.receivers {
			rd.mu.Lock()
			var got bitset
			if s := rd.streams[c.key]; s != nil {
				got = s.got
			}
			n += int64(acked.missingFrom(got))
			rd.mu.Unlock()
		}
		c.mu.Unlock()
	}
	return n
}
