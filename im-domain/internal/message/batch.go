package message

import (
	"context"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// Batch is the work of one uplink batch (mqapi): the sends go through the
// send pipeline together, then the receive-ACKs, reads and recalls run in
// batch order, and every push of the batch leaves as one PushBatch per
// gateway. Sends go first: a client can only acknowledge, read or recall a
// message after its up-ACK, which this batch has not sent yet.
type Batch struct {
	s      *Service
	sends  []Send
	others []other
}

// other is a non-send command of the batch.
type other struct {
	cmd  command.Code
	from device.ID
	run  func(ctx context.Context, o *outbox) error
}

// NewBatch starts an empty batch.
func (s *Service) NewBatch() *Batch { return &Batch{s: s} }

// Send adds a message to send.
func (b *Batch) Send(in Send) { b.sends = append(b.sends, in) }

// ReceiveAck adds a receive-ACK (see Service.ReceiveAck).
func (b *Batch) ReceiveAck(from device.ID, a payload.ReceiveAck) {
	b.add(command.MessageReceiveAck, from, func(ctx context.Context, o *outbox) error {
		return b.s.receiveAck(ctx, o, from, a)
	})
}

// Read adds a read mark (see Service.Read).
func (b *Batch) Read(from device.ID, r payload.Read, group bool) {
	b.add(command.MessageRead, from, func(ctx context.Context, o *outbox) error {
		return b.s.read(ctx, o, from, r, group)
	})
}

// Recall adds a recall (see Service.Recall).
func (b *Batch) Recall(from device.ID, broker string, r payload.Recall) {
	b.add(command.MessageRecall, from, func(ctx context.Context, o *outbox) error {
		return b.s.recall(ctx, o, from, broker, r)
	})
}

// Typing adds a typing indicator (see Service.Typing).
func (b *Batch) Typing(from device.ID, t payload.Typing) {
	b.add(command.MessageTyping, from, func(ctx context.Context, o *outbox) error {
		return b.s.typing(ctx, o, from, t)
	})
}

// Edit adds an edit (see Service.Edit).
func (b *Batch) Edit(from device.ID, broker string, e payload.Edit) {
	b.add(command.MessageEdit, from, func(ctx context.Context, o *outbox) error {
		return b.s.edit(ctx, o, from, broker, e)
	})
}

func (b *Batch) add(cmd command.Code, from device.ID, run func(context.Context, *outbox) error) {
	b.others = append(b.others, other{cmd: cmd, from: from, run: run})
}

// Len is the number of commands in the batch.
func (b *Batch) Len() int { return len(b.sends) + len(b.others) }

// Run processes the batch. Refusals are answered (sends) or logged
// (others) and are no error; any other error is transient and the whole
// batch should be delivered again: every step is idempotent (dedup,
// forward-only cursors), so work already done is answered again, not
// repeated. The pushes of what was done go out in every case.
func (b *Batch) Run(ctx context.Context) error {
	b.s.d.Observer.Batch(BatchUplinks, b.Len())
	var o outbox
	settle := func() {}
	defer func() {
		b.s.flush(ctx, &o)
		settle()
	}()
	if len(b.sends) > 0 {
		_, done, err := b.s.sendAll(ctx, &o, b.sends)
		if err != nil {
			return err
		}
		settle = done
	}
	for _, op := range b.others {
		err := op.run(ctx, &o)
		if err != nil && !refusal(err) {
			return err
		}
		if err != nil {
			b.s.log.InfoContext(ctx, "uplink refused", "command", op.cmd, "user", op.from.UserID, "err", err)
		}
	}
	return nil
}
