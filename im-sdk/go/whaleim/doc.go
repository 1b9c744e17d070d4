// Package whaleim is the Go client SDK of WhaleIM. It keeps the client
// half of the delivery contract ("at-least-once on the wire, exactly-once
// in the app"):
//
//   - a connection manager that asks the REST login route for a gateway,
//     connects over WebSocket or TCP, logs in with a sign from the app's
//     SignProvider, sends heartbeats and reconnects with exponential
//     backoff and jitter;
//   - an outbox: a message gets its messageId once and is resent with it
//     after an ACK timeout and after every reconnect until the server
//     answers; 1009 is retried, any other refusal is final;
//   - an inbox: duplicates dropped, every conversation emitted strictly in
//     seq order, gaps pulled exactly, holes the server declares skipped,
//     receive-ACKs sent, and every conversation synced after each login;
//   - a conversation list with last message, unread count and read marks;
//   - a Store for the last seen seqs and the outbox, so a restart resumes.
//
// Everything the app needs to know arrives as typed Events, in order:
//
//	c, err := whaleim.New(whaleim.Config{RESTURLs: []string{"http://127.0.0.1:8000"},
//		AppID: 10000, UserID: "alice", Sign: signer})
//	c.Start()
//	defer c.Close()
//	id, err := c.Send(ctx, whaleim.Outgoing{To: "bob", Body: "hi"})
//	for ev := range c.Events() {
//		switch e := ev.(type) {
//		case whaleim.MessageReceived: ...
//		case whaleim.MessageStateChanged: ...
//		}
//	}
//
// The event names and their JSON form are shared with the TypeScript SDK
// and pinned by the conformance suite (im-sdk/conformance).
package whaleim
