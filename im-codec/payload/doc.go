// Package payload holds the typed JSON bodies of the client wire protocol,
// the JSON that travels inside packet frames, with WhaleShark's camelCase
// keys.
//
// Uplink bodies (client to server) are the body of a packet.Client:
// Login (9000), Message (1103, 2104), ReceiveAck (1107), Read (1106, 2106),
// Recall (1050), Edit (1055) and Typing (1060). Logout (9003) and Ping
// (9999) carry no meaningful body.
//
// Downlink frames (server to client) always carry an Envelope, whose Data is
// the event body: LoginAck (9001), Pong (9999), MessageAck (1046, 2047, and
// 1051 for recalls), Message (1103, 2104 deliveries and syncs), ReceiveAck
// (1107 relayed), Read (1053, 1054, 2053, 2054), Recall (1052), Edit
// (1057; 1056 answers with a MessageAck), Deleted (1058), Typing (1060
// relayed), Cleared (5002), ErrorNotice (9005), and the domain's own event bodies for 2xxx-5xxx. The
// domain encodes Data once; the gateway frames it with AppendEnvelope and
// never decodes it.
//
// A client-sent fromId is optional and never trusted: the gateway compares
// it with the logged-in user and refuses a mismatch (errcode.SenderMismatch).
//
// Times are unix milliseconds. Sequences and message keys are int64; keep
// them below 2^53 so that JavaScript clients read them exactly.
package payload
