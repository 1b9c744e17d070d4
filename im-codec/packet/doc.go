// Package packet encodes and decodes the frames of the client wire protocol,
// the one WhaleShark clients speak, on TCP streams and WebSocket messages
// alike. All integers are 4-byte big-endian.
//
// Uplink, client to server: a 28-byte header, the IMEI, then the body.
//
//	 0         4         8            12       16      20        24        28
//	+---------+---------+------------+--------+-------+---------+---------+--------------+--------------+
//	| Command | Version | ClientType | Format | AppID | IMEILen | BodyLen | IMEI         | Body         |
//	+---------+---------+------------+--------+-------+---------+---------+--------------+--------------+
//	                                                                        IMEILen bytes  BodyLen bytes
//
// IMEILen and BodyLen count bytes, must be below 2^31 and are checked
// against Limits. Command, Version, ClientType, Format and AppID are
// unsigned and taken as they come.
//
// Downlink, server to client: an 8-byte header, then the body (a JSON
// envelope, see the payload package).
//
//	 0         4         8
//	+---------+---------+--------------+
//	| Command | BodyLen | Body         |
//	+---------+---------+--------------+
//	                      BodyLen bytes
//
// The types Client (uplink) and Server (downlink) hold the fields but never
// the lengths: those are derived from IMEI and Body when a frame is encoded,
// so a packet cannot carry a length that contradicts its bytes.
//
// Decoding comes in two shapes. ParseClient and ParseServer take one whole
// frame, which is what a WebSocket binary message holds; bytes after the
// packet are an error (WhaleShark silently ignored them). A Reader reads
// frames from a byte stream such as a TCP connection, where a frame may
// arrive split across reads or several frames in one read; both are normal.
//
// Every decoder checks the declared lengths against Limits before it
// allocates anything, and rejects lengths that are negative as int32 (the
// wire type WhaleShark used), so a hostile header costs no memory and never
// panics. Errors are *FrameError values wrapping one of the sentinels
// (ErrShortHeader, ErrTruncated, ErrNegativeLength, ErrIMEITooLong,
// ErrBodyTooLarge, ErrTrailingBytes); Code maps them to the client-visible
// errcode the gateway puts in its error frame before it closes the
// connection.
//
// The decoders do not judge header values: an unknown command, client type
// or body format decodes fine. In particular only the JSON format is
// supported (Format.Supported), but frames in other formats are returned
// as they are so that the gateway can answer them with
// errcode.UnsupportedFormat instead of dropping the connection.
package packet
