package main

import (
	"encoding/json"
	"strings"

	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// render prints every SDK event as one line until the client closes.
func (s *chat) render(events <-chan whaleim.Event) {
	for ev := range events {
		switch e := ev.(type) {
		case whaleim.StateChanged:
			s.printf("* %s\n", e.State)
		case whaleim.MessageReceived:
			s.message(e.Message)
		case whaleim.MessageStateChanged:
			s.sendState(e)
		case whaleim.Delivered:
			s.printf("  [%s] #%d delivered\n", label(s.user, e.Conversation), e.Seq)
		case whaleim.ReadReceipt:
			s.printf("  [%s] read by %s up to #%d\n", label(s.user, e.Conversation), e.Reader, e.Seq)
		case whaleim.ReadSynced:
			s.printf("  [%s] read on another device up to #%d\n", label(s.user, e.Conversation), e.Seq)
		case whaleim.Recalled:
			s.printf("* [%s] a message was recalled (key %d)\n", label(s.user, e.Conversation), e.Key)
		case whaleim.Notification:
			s.printf("* notice %v %s\n", e.Command, compact(e.Data))
		case whaleim.ErrorEvent:
			s.printf("! %s: %v\n", e.Reason, e.Err)
		}
	}
}

func (s *chat) message(m whaleim.Message) {
	body := m.Body
	if m.Recalled {
		body = "(recalled)"
	}
	s.printf("[%s] #%d %s: %s\n", label(s.user, m.Conversation), m.Seq, m.From, body)
}

func (s *chat) sendState(e whaleim.MessageStateChanged) {
	s.mu.Lock()
	body := s.pending[e.MessageID]
	if e.State != whaleim.Sending {
		delete(s.pending, e.MessageID)
	}
	if e.State == whaleim.Sent {
		s.mine[e.Conversation] = append(s.mine[e.Conversation], sentMsg{seq: e.Seq, key: e.Key})
	}
	s.mu.Unlock()
	switch e.State {
	case whaleim.Sending:
		s.printf("  [%s] sending: %s\n", label(s.user, e.Conversation), body)
	case whaleim.Sent:
		s.printf("[%s] #%d %s: %s (sent)\n", label(s.user, e.Conversation), e.Seq, s.user, body)
	case whaleim.Failed:
		s.printf("! [%s] not sent (code %d): %s\n", label(s.user, e.Conversation), e.Code, body)
	}
}

// label names a conversation for this user: the peer, or the group.
func label(me, conv string) string {
	if g, ok := strings.CutPrefix(conv, "group:"); ok {
		return "group " + g
	}
	return peerOf(me, conv)
}

// peerOf is the other user of a 1:1 conversation id.
func peerOf(me, conv string) string {
	a, b, _ := strings.Cut(strings.TrimPrefix(conv, "p2p:"), ":")
	if a == me {
		return b
	}
	return a
}

func compact(raw json.RawMessage) string {
	if len(raw) > 120 {
		return string(raw[:120]) + "..."
	}
	return string(raw)
}

// callAs calls a REST route as the chat's user and decodes its data.
func (s *chat) callAs(path string, body, out any) error {
	data, err := s.e.call(path, body, s.user)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}
