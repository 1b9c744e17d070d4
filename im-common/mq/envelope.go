package mq

import (
	"encoding/json"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// Version is the envelope schema version; consumers reject versions they do
// not know rather than guess.
const Version = 1

// Uplink is what the gateway publishes to im.uplink for every routed client
// command. From is the logged-in device of the connection, never a value the
// client wrote in the body: this is how forged senders are impossible
// downstream. Payload is the client's JSON body, untouched.
type Uplink struct {
	Version int          `json:"v"`
	Command command.Code `json:"command"`
	From    device.ID    `json:"from"`
	// Broker is the gateway that received the frame; the up-ACK goes back
	// to it first.
	Broker  string          `json:"broker"`
	TraceID string          `json:"traceId,omitempty"`
	Time    int64           `json:"time"` // unix milliseconds at the gateway
	Payload json.RawMessage `json:"payload"`
}

// Push is what the domain publishes to one gateway's downlink queue: one
// event and every target device on that gateway. The gateway writes one
// downlink frame per target with the envelope
// {command, appId, userId, toId, clientType, imei, messageId, data}.
type Push struct {
	Version   int             `json:"v"`
	Command   command.Code    `json:"command"`
	AppID     uint32          `json:"appId"`
	To        []device.ID     `json:"to"`
	ToID      string          `json:"toId,omitempty"`
	MessageID string          `json:"messageId,omitempty"`
	Data      json.RawMessage `json:"data"`
	// Close asks the gateway to close the targets' connections after the
	// frame is written (used for the 9002 kick across gateways).
	Close bool `json:"close,omitempty"`
}
