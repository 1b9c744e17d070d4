package imclient

import (
	"context"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
)

// Recall asks the server to withdraw a sent message (1050) and waits for
// the result (1051) with r.MessageID. r.MessageKey names the message; set
// ToID (the peer) for a 1:1 message or GroupID for a group one. An empty
// r.MessageID is filled with a new UUID. The returned Ack carries the
// refusal code when the server refused (Ack.Err tells); the members'
// devices hear about a recall through 1052 on Events.
func (c *Client) Recall(ctx context.Context, r payload.Recall) (Ack, error) {
	if r.MessageID == "" {
		r.MessageID = NewMessageID()
	}
	if r.GroupID != "" {
		r.ConversationType = payload.Group
	}
	key := recallKey(r.MessageID)
	ch := make(chan Ack, 1)
	c.addWaiter(key, ch)
	defer c.removeWaiter(key, ch)
	if err := c.write(command.MessageRecall, r); err != nil {
		return Ack{}, err
	}
	return wait(ctx, c, ch)
}

// recallKey keeps recall waiters apart from send waiters: a recall has its
// own messageId, but nothing stops a caller from reusing a send's.
func recallKey(messageID string) string { return "recall\x00" + messageID }

// recallAck resolves every recall waiting for a.MessageID.
func (c *Client) recallAck(a Ack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.waiters[recallKey(a.MessageID)] {
		select {
		case ch <- a:
		default:
		}
	}
}
