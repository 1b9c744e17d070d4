package gateway

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
)

// consume writes pushes from this node's downlink queue.
func (g *Gateway) consume(ctx context.Context) error {
	err := g.sub.Consume(ctx, mq.DownlinkQueue(g.cfg.BrokerID), g.deliver)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// framedPush is one downlink frame bound for one connection of this node.
type framedPush struct {
	c     *conn
	frame []byte
	close bool
}

// deliver writes every push of a batch of downlink messages (each a push
// batch or a single push) to each target device connected here; the rest
// are skipped. Decoding and framing, most of the cost, run on several
// goroutines; queueing then follows queue order, so every connection gets
// its frames in the order the domain published them. Writers start only
// after the whole batch is queued: a connection with several frames in it
// writes them with one syscall. Undecodable messages are dropped
// (acknowledged): redelivery would not fix them, and pushes are best
// effort by contract.
func (g *Gateway) deliver(_ context.Context, bodies [][]byte) error {
	framed := make([][]framedPush, len(bodies))
	g.frameAll(bodies, framed)
	var wake []*conn
	for _, pushes := range framed {
		for _, p := range pushes {
			if _, start := p.c.hold(p.frame, p.close); start {
				wake = append(wake, p.c)
			}
		}
	}
	for _, c := range wake {
		go c.writeLoop()
	}
	return nil
}

// frameAll fills out[i] with the frames of bodies[i], on up to
// DownlinkWorkers goroutines (the calling one included): messages decode
// independently of each other.
func (g *Gateway) frameAll(bodies [][]byte, out [][]framedPush) {
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < len(bodies); i = int(next.Add(1) - 1) {
			out[i] = g.frame(bodies[i])
		}
	}
	var wg sync.WaitGroup
	for range min(len(bodies), g.cfg.DownlinkWorkers) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// frame decodes one downlink message and returns a frame for each target
// connected here, in push order.
func (g *Gateway) frame(body []byte) []framedPush {
	pushes, err := mq.DecodePushes(body)
	if err != nil {
		g.log.Warn("undecodable push dropped", "err", err)
		return nil
	}
	var out []framedPush
	var conns []*conn
	skipped := 0
	for i := range pushes {
		p := &pushes[i]
		conns = g.hub.lookupAll(p.AppID, p.To, conns[:0])
		fan := newFanout(p)
		for _, c := range conns {
			if c == nil {
				skipped++
				continue
			}
			frame, err := fan.frame(c.id)
			if err != nil {
				g.log.Warn("unframable push dropped", "command", p.Command, "err", err)
				break
			}
			out = append(out, framedPush{c: c, frame: frame, close: p.Close})
		}
	}
	g.metrics.pushesSkipped.Add(float64(skipped))
	g.metrics.pushesDelivered.Add(float64(len(out)))
	return out
}

// fanout frames one push for each of its targets: a push to one device is
// framed directly, a push to many (a group message) through a
// payload.Fanout, which encodes the shared part once.
type fanout struct {
	env  payload.Envelope
	many *payload.Fanout
}

func newFanout(p *mq.Push) fanout {
	f := fanout{env: payload.Envelope{Command: p.Command, ToID: p.ToID, MessageID: p.MessageID, Data: p.Data}}
	if len(p.To) > 1 {
		f.many = payload.NewFanout(f.env)
	}
	return f
}

// envelopeFields is the size of an envelope's field names, punctuation and
// numbers at most: with the strings and the data, a frame's size.
const envelopeFields = 128

// frame returns the frame for device to, in a buffer sized for it at
// once: growing it field by field was a fifth of the gateway's CPU.
func (f fanout) frame(to device.ID) ([]byte, error) {
	e := f.env
	buf := make([]byte, 0, packet.ServerHeaderSize+envelopeFields+len(to.UserID)+len(to.IMEI)+
		len(e.ToID)+len(e.MessageID)+len(e.Data))
	if f.many != nil {
		return f.many.Append(buf, to)
	}
	e.AppID, e.UserID, e.ClientType, e.IMEI = to.AppID, to.UserID, to.Type, to.IMEI
	return payload.AppendEnvelope(buf, e)
}
