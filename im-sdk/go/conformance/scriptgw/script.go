package scriptgw

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/errcode"
)

// ops lists the step operations (README.md describes each).
var ops = []string{"expect_login", "login_ack", "expect_send", "ack", "push", "reveal", "close", "kick",
	"raw", "frame", "expect_receive_ack", "expect_read", "expect_recall", "recall_ack", "expect_pull", "expect_sync", "client"}

// errAbort stops a script after a violation that makes the rest moot.
var errAbort = errors.New("scenario aborted")

// run plays one connection's script.
type run struct {
	g       *Gateway
	c       *conn
	n       int
	pending []packet.Client // frames read while waiting for another kind
}

func (r *run) play(steps []Step) {
	for i, st := range steps {
		if err := r.step(st); err != nil {
			r.g.violate("connection %d step %d (%s): %v", r.n+1, i+1, st.Op, err)
			r.c.close()
			r.g.finish(r.n, true)
			return
		}
		if st.Op == "close" || st.Op == "kick" {
			r.g.finish(r.n, false)
			return
		}
	}
	r.g.finish(r.n, false)
	r.idle()
}

// idle keeps the connection after its script: any send is unexpected.
func (r *run) idle() {
	for _, p := range r.pending {
		r.unexpected(p)
	}
	for p := range r.c.frames {
		r.unexpected(p)
	}
}

func (r *run) unexpected(p packet.Client) {
	if p.Command == command.MessageP2P || p.Command == command.GroupMessage || p.Command == command.MessageRecall {
		r.g.violate("connection %d: unexpected %v after the script: %s", r.n+1, p.Command, p.Body)
	}
}

func (r *run) step(st Step) error {
	switch st.Op {
	case "expect_login":
		return r.expectLogin()
	case "login_ack":
		return r.c.send(command.LoginAck, "", payload.LoginAck{Code: codeOr200(st.Code), Msg: "scripted"})
	case "expect_send":
		return r.expectSend(st)
	case "ack":
		return r.ack(st)
	case "push":
		return r.push(st)
	case "reveal":
		_, err := r.g.show(st.Conversation, st.Seq)
		return err
	case "close":
		r.c.close()
		return nil
	case "kick":
		_ = r.c.send(command.MutualLogin, "", map[string]any{})
		r.c.close()
		return nil
	case "raw":
		b, err := hex.DecodeString(strings.ReplaceAll(st.Hex, " ", ""))
		if err != nil {
			return fmt.Errorf("hex: %w", err)
		}
		return r.c.raw(b)
	case "frame":
		return r.c.send(command.Code(st.Command), "", st.Data)
	case "client":
		r.g.actions <- st.Action
		return nil
	}
	return r.expectOther(st)
}

func (r *run) expectOther(st Step) error {
	switch st.Op {
	case "expect_receive_ack":
		return r.expectSeq(st, command.MessageReceiveAck)
	case "expect_read":
		return r.expectSeq(st, command.MessageRead, command.GroupRead)
	case "expect_recall":
		p, err := r.next(command.MessageRecall)
		if err != nil {
			return err
		}
		var rc payload.Recall
		if err := json.Unmarshal(p.Body, &rc); err != nil {
			return fmt.Errorf("recall body: %w", err)
		}
		if st.Seq != 0 && rc.MessageKey != st.Seq {
			return fmt.Errorf("recall of messageKey %d, want %d", rc.MessageKey, st.Seq)
		}
		return r.bind(st.Bind, rc.MessageID, rc.GroupID != "")
	case "recall_ack":
		b := r.g.bound(st.Ref)
		return r.c.send(command.MessageRecallAck, b.messageID, ackBody(st.Code, b.messageID, 0))
	case "expect_pull":
		return r.expectPull(st)
	case "expect_sync":
		return r.expectSync()
	}
	return fmt.Errorf("unknown op")
}

// next returns the next frame with one of cmds, keeping others for later
// expects.
func (r *run) next(cmds ...command.Code) (packet.Client, error) {
	return r.nextMatch(func(packet.Client) bool { return true }, cmds...)
}

// nextMatch is next for frames that also satisfy ok.
func (r *run) nextMatch(ok func(packet.Client) bool, cmds ...command.Code) (packet.Client, error) {
	match := func(p packet.Client) bool { return slices.Contains(cmds, p.Command) && ok(p) }
	for i, p := range r.pending {
		if match(p) {
			r.pending = slices.Delete(r.pending, i, i+1)
			return p, nil
		}
	}
	deadline := time.After(r.g.expectTimeout)
	for {
		select {
		case p, open := <-r.c.frames:
			if !open {
				return packet.Client{}, fmt.Errorf("connection closed by the client while waiting for %v: %w", cmds, errAbort)
			}
			if match(p) {
				return p, nil
			}
			r.pending = append(r.pending, p)
		case <-deadline:
			return packet.Client{}, fmt.Errorf("no %v within %v: %w", cmds, r.g.expectTimeout, errAbort)
		case <-r.g.stop:
			return packet.Client{}, errAbort
		}
	}
}

func (r *run) expectLogin() error {
	p, err := r.next(command.Login)
	if err != nil {
		return err
	}
	var l payload.Login
	if err := json.Unmarshal(p.Body, &l); err != nil {
		return fmt.Errorf("login body: %w", err)
	}
	if l.UserID != r.g.sc.User || l.UserSign == "" {
		return fmt.Errorf("login as %q with sign %q, want %q with a sign", l.UserID, l.UserSign, r.g.sc.User)
	}
	return nil
}

func (r *run) expectSend(st Step) error {
	want := r.g.bound(st.Bind).messageID
	p, err := r.nextMatch(func(p packet.Client) bool {
		var m payload.Message
		return want == "" || (json.Unmarshal(p.Body, &m) == nil && m.MessageID == want)
	}, command.MessageP2P, command.GroupMessage)
	if err != nil {
		return err
	}
	var m payload.Message
	if err := json.Unmarshal(p.Body, &m); err != nil {
		return fmt.Errorf("send body: %w", err)
	}
	if st.Body != "" && m.MessageBody != st.Body {
		return fmt.Errorf("sent %q, want %q", m.MessageBody, st.Body)
	}
	if m.MessageID == "" {
		return fmt.Errorf("send without a messageId")
	}
	return r.bind(st.Bind, m.MessageID, p.Command == command.GroupMessage)
}

// bind names messageID, or checks it is the one already named (a resend
// must keep its messageId).
func (r *run) bind(name, messageID string, group bool) error {
	if name == "" {
		return nil
	}
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	if b, ok := r.g.binds[name]; ok {
		if b.messageID != messageID {
			return fmt.Errorf("%s resent with messageId %q, first sent as %q", name, messageID, b.messageID)
		}
		return nil
	}
	r.g.binds[name] = bound{messageID: messageID, group: group}
	return nil
}

func (g *Gateway) bound(name string) bound {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.binds[name]
}

func codeOr200(c int) errcode.Code {
	if c == 0 {
		return 200
	}
	return errcode.Code(c)
}

func ackBody(code int, messageID string, seq int64) payload.MessageAck {
	a := payload.MessageAck{Code: codeOr200(code), Msg: "scripted", Data: &payload.AckData{MessageID: messageID}}
	if a.Code == 200 && seq > 0 {
		a.Data.MessageSequence, a.Data.MessageKey, a.Data.MessageTime = seq, seq, 1700000000000+seq
	}
	return a
}

func (r *run) ack(st Step) error {
	b := r.g.bound(st.Ref)
	if b.messageID == "" {
		return fmt.Errorf("ack of %q, which no step bound", st.Ref)
	}
	cmd := command.MessageAck
	if b.group {
		cmd = command.GroupMessageAck
	}
	return r.c.send(cmd, b.messageID, ackBody(st.Code, b.messageID, st.Seq))
}

// show makes a stored message visible to pulls and returns it.
func (g *Gateway) show(conv string, seq int64) (Message, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.sc.message(conv, seq)
	if !ok {
		return Message{}, fmt.Errorf("no message %s #%d in conversations", conv, seq)
	}
	g.visible[conv][seq] = true
	return *m, nil
}

func (r *run) push(st Step) error {
	m, err := r.g.show(st.Conversation, st.Seq)
	if err != nil {
		return err
	}
	cmd := command.MessageP2P
	if strings.HasPrefix(st.Conversation, "group:") {
		cmd = command.GroupMessage
	}
	return r.c.send(cmd, m.ID, message(st.Conversation, r.g.sc.User, m))
}

// expectSeq waits for a receive-ACK or read mark carrying st.Seq.
func (r *run) expectSeq(st Step, cmds ...command.Code) error {
	p, err := r.next(cmds...)
	if err != nil {
		return err
	}
	var body struct {
		MessageSequence int64 `json:"messageSequence"`
	}
	if err := json.Unmarshal(p.Body, &body); err != nil {
		return fmt.Errorf("%v body: %w", p.Command, err)
	}
	if body.MessageSequence != st.Seq {
		return fmt.Errorf("%v for seq %d, want %d", p.Command, body.MessageSequence, st.Seq)
	}
	return nil
}

func (r *run) expectPull(st Step) error {
	select {
	case p := <-r.g.pulls:
		if p.Conversation != st.Conversation || (st.After != nil && p.After != *st.After) ||
			(st.Limit != nil && p.Limit != *st.Limit) {
			return fmt.Errorf("pull %s after %d limit %d, want %s after %s limit %s", p.Conversation, p.After, p.Limit,
				st.Conversation, optional(st.After), optional(st.Limit))
		}
		return nil
	case <-time.After(r.g.expectTimeout):
		return fmt.Errorf("no pull of %s within %v: %w", st.Conversation, r.g.expectTimeout, errAbort)
	case <-r.g.stop:
		return errAbort
	}
}

func optional[T any](p *T) string {
	if p == nil {
		return "any"
	}
	return fmt.Sprint(*p)
}

// expectSync waits for a max-sequence query, answered before this returns:
// later pushes cannot race the SDK's sync.
func (r *run) expectSync() error {
	select {
	case <-r.g.syncs:
		return nil
	case <-time.After(r.g.expectTimeout):
		return fmt.Errorf("no max-sequence query within %v: %w", r.g.expectTimeout, errAbort)
	case <-r.g.stop:
		return errAbort
	}
}
