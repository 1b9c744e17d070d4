// Package imclient is a minimal Go client of the WhaleIM wire protocol
// (PROTOCOL.md): it dials a gateway over TCP or WebSocket, logs in with a
// userSign, sends 1:1 and group messages and waits for their up-ACKs, and
// hands every downlink envelope to the application on a channel.
//
// Delivery contract on the client side: every logical message gets a UUID
// messageId (NewMessageID) that the caller reuses when it resends, so the
// server deduplicates it and answers with the original up-ACK. Ordering,
// duplicate suppression and gap pulls across reconnects are left to the
// application (the e2e tests do them explicitly).
//
//	c, err := imclient.DialTCP(ctx, "127.0.0.1:19001", imclient.Device{AppID: 10000, Type: device.Android, IMEI: "phone-1"})
//	err = c.Login(ctx, "alice", sign)
//	ack, err := c.Send(ctx, imclient.Message{ToID: "bob", Body: "hi"})
//	for env := range c.Events() { ... }
package imclient
