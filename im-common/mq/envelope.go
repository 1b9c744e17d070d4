package mq

import (
	"encoding/json"
	"strings"

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

// ConversationKind tells 1:1 from group conversations.
type ConversationKind string

// Conversation kinds.
const (
	P2P   ConversationKind = "p2p"
	Group ConversationKind = "group"
)

// P2PConversation is the conversation id of two users: the same for both
// directions, so both share one seq and one uplink shard.
func P2PConversation(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "p2p:" + a + ":" + b
}

// GroupConversation is the conversation id of a group.
func GroupConversation(groupID string) string { return "group:" + groupID }

// ParseConversation splits a conversation id into its kind and the rest.
func ParseConversation(id string) (ConversationKind, string, bool) {
	kind, rest, ok := strings.Cut(id, ":")
	switch ConversationKind(kind) {
	case P2P, Group:
		return ConversationKind(kind), rest, ok && rest != ""
	}
	return "", "", false
}
