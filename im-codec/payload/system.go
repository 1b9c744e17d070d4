package payload

import (
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// Login is the body of 9000 LOGIN. UserSign is the TLS-v2-style token of
// PROTOCOL.md, verified against the app's secret.
type Login struct {
	UserID   string `json:"userId"`
	UserSign string `json:"userSign"`
}

// LoginAck is the data of 9001 LOGIN_ACK: code 0 means logged in; any
// other code is followed by the server closing the connection.
type LoginAck struct {
	Code errcode.Code `json:"code"`
	Msg  string       `json:"msg"`
}

// Pong is the data of the 9999 answer to a ping. Time is the server's clock,
// which lets clients estimate skew; it may be absent.
type Pong struct {
	Time int64 `json:"time,omitempty"`
}

// ErrorNotice is the data of 9005 ERROR: the server refused an uplink frame
// whose command was Command (0 when the frame could not be decoded).
type ErrorNotice struct {
	Code    errcode.Code `json:"code"`
	Msg     string       `json:"msg"`
	Command command.Code `json:"command"`
}
