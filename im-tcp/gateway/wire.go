package gateway

import (
	"encoding/json"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// The JSON bodies the gateway reads and writes itself. They mirror the
// codec's payload package (golden vectors in im-codec/packet/testdata):
// every downlink body is an envelope, with keys in this order.

// envelope is the body of every downlink frame.
type envelope struct {
	Command    command.Code `json:"command"`
	AppID      uint32       `json:"appId"`
	UserID     string       `json:"userId"`
	ToID       string       `json:"toId"`
	ClientType device.Type  `json:"clientType"`
	IMEI       string       `json:"imei"`
	MessageID  string       `json:"messageId"`
	Data       any          `json:"data"`
}

// loginBody is the body of 9000.
type loginBody struct {
	UserID   string `json:"userId"`
	UserSign string `json:"userSign"`
}

// result is the data of 9001 and of the up-ACKs 1046/2047 and 9002.
type result struct {
	Code errcode.Code `json:"code"`
	Msg  string       `json:"msg"`
	Data any          `json:"data,omitempty"`
}

// messageRef is the data of a failed up-ACK, so SDKs can match it.
type messageRef struct {
	MessageID string `json:"messageId"`
}

// notice is the data of 9005: why an uplink frame was refused.
type notice struct {
	Code    errcode.Code `json:"code"`
	Msg     string       `json:"msg"`
	Command command.Code `json:"command"`
}

// pong is the data of the 9999 answer.
type pong struct {
	Time int64 `json:"time"`
}

// uplinkFields are the body fields the gateway inspects before routing.
type uplinkFields struct {
	MessageID string `json:"messageId"`
	FromID    string `json:"fromId"`
	ToID      string `json:"toId"`
	GroupID   string `json:"groupId"`
}

func resultOf(e *errcode.Error) result { return result{Code: e.Code, Msg: e.Message} }

// mustJSON marshals values whose types cannot fail to encode (the types
// above, with Data holding only such values or json.RawMessage that was
// validated on decode).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(envelope{Data: resultOf(errcode.Internal)})
	}
	return b
}
