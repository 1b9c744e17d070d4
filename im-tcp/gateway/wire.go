package gateway

import (
	"encoding/json"
	"fmt"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// The wire bodies are the codec's payload types; this file only adapts
// them to what the gateway needs.

// encode returns the downlink frame of env carrying data (nil: none).
func encode(env payload.Envelope, data any) ([]byte, error) {
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("encode %v data: %w", env.Command, err)
		}
		env.Data = b
	}
	return payload.AppendEnvelope(nil, env)
}

// status is the {code, msg} data of 9001, and of 9002 and 9004, which
// carry the same shape; the codec names it after 9001.
func status(e *errcode.Error) payload.LoginAck { return payload.LoginAck{Code: e.Code, Msg: e.Message} }

// route is what the gateway reads from a routed uplink body: who sent it,
// where it goes, and the message id to echo in a failed up-ACK.
type route struct {
	messageID, fromID, toID, groupID string
}

// decodeRoute decodes a routed uplink body into its payload type. Fields
// that decoded are returned even on error (encoding/json keeps them on a
// type mismatch, and payload.Decode is encoding/json then), so a refused
// send can still echo its messageId.
func decodeRoute(cmd command.Code, body []byte) (route, error) {
	switch cmd {
	case command.MessageP2P, command.GroupMessage:
		var b payload.Message
		err := payload.Decode(body, &b)
		return route{b.MessageID, b.FromID, b.ToID, b.GroupID}, err
	case command.MessageReceiveAck:
		var b payload.ReceiveAck
		err := payload.Decode(body, &b)
		return route{b.MessageID, b.FromID, b.ToID, ""}, err
	case command.MessageRead, command.GroupRead:
		var b payload.Read
		err := json.Unmarshal(body, &b)
		return route{"", b.FromID, b.ToID, b.GroupID}, err
	case command.MessageRecall:
		var b payload.Recall
		err := json.Unmarshal(body, &b)
		return route{b.MessageID, b.FromID, b.ToID, b.GroupID}, err
	case command.MessageEdit:
		var b payload.Edit
		err := json.Unmarshal(body, &b)
		return route{b.MessageID, b.FromID, b.ToID, b.GroupID}, err
	case command.MessageTyping:
		var b payload.Typing
		err := json.Unmarshal(body, &b)
		return route{"", b.FromID, b.ToID, b.GroupID}, err
	}
	return route{}, errcode.UnknownCommand
}
