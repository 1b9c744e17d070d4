package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// chatSignLife is the expiry of the signs the chat client logs in with;
// the SDK asks for a new one at every login.
const chatSignLife = 24 * time.Hour

const chatHelp = `commands:
  /to USER        chat with USER          /group GID      chat in group GID
  /list           conversations, unread   /read           mark the current conversation read
  /recall [SEQ]   recall your message (default: your last one here)
  /online         which friends are online
  /quit           leave
anything else is sent to the current conversation
`

// chat is one interactive session: the SDK client, what is on screen and
// the current conversation.
type chat struct {
	e    *env
	c    *whaleim.Client
	user string

	mu      sync.Mutex
	current string               // conversation id
	mine    map[string][]sentMsg // conversation -> own sent messages, in order
	pending map[string]string    // messageId -> body, until sent
}

type sentMsg struct{ seq, key int64 }

// chatCmd runs "imctl chat [--tcp] USER": a terminal client on the whaleim
// SDK that reads commands and messages from stdin, one per line.
func chatCmd(e *env, args []string) error {
	fs := e.flags("")
	tcp := fs.Bool("tcp", false, "connect over TCP instead of WebSocket")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("chat: [--tcp] USER")
	}
	cfg := whaleim.Config{RESTURLs: []string{e.url}, AppID: uint32(e.appID), UserID: pos[0], IMEI: "imctl-" + randomHex()[:8],
		Sign: func(_ context.Context, id string) (string, error) { return e.sign(id, chatSignLife) }}
	if *tcp {
		cfg.Transport = whaleim.TCP
	}
	c, err := whaleim.New(cfg)
	if err != nil {
		return usagef("chat: %v", err)
	}
	s := &chat{e: e, c: c, user: pos[0], mine: map[string][]sentMsg{}, pending: map[string]string{}}
	rendered := make(chan struct{})
	go func() { s.render(c.Events()); close(rendered) }()
	s.printf("%s", chatHelp)
	c.Start()
	err = s.loop(e.ctx, e.in)
	c.Close()
	<-rendered
	return err
}

// printf writes one line to the terminal.
func (s *chat) printf(format string, a ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.e.out, format, a...)
}

// loop reads lines until EOF, /quit or the end of ctx.
func (s *chat) loop(ctx context.Context, in io.Reader) error {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok || strings.TrimSpace(line) == "/quit" {
				return nil
			}
			s.line(ctx, strings.TrimSpace(line))
		}
	}
}

func (s *chat) line(ctx context.Context, line string) {
	cmd, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch {
	case line == "":
	case cmd == "/help":
		s.printf("%s", chatHelp)
	case cmd == "/to" && arg != "":
		s.open(whaleim.P2P(s.user, arg))
	case cmd == "/group" && arg != "":
		s.open("group:" + arg)
	case cmd == "/list":
		s.list()
	case cmd == "/read":
		s.read()
	case cmd == "/recall":
		s.recall(ctx, arg)
	case cmd == "/online":
		s.online()
	case strings.HasPrefix(line, "/"):
		s.printf("? unknown command %q (/help)\n", cmd)
	default:
		s.send(ctx, line)
	}
}

func (s *chat) open(conv string) {
	s.mu.Lock()
	s.current = conv
	s.mu.Unlock()
	s.printf("* now in %s\n", label(s.user, conv))
}

func (s *chat) conv() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

func (s *chat) send(ctx context.Context, text string) {
	conv := s.conv()
	if conv == "" {
		s.printf("? pick a conversation first: /to USER or /group GID\n")
		return
	}
	m := whaleim.Outgoing{Body: text}
	if g, ok := strings.CutPrefix(conv, "group:"); ok {
		m.Group = g
	} else {
		m.To = peerOf(s.user, conv)
	}
	id, err := s.c.Send(ctx, m)
	if err != nil {
		s.printf("! send: %v\n", err)
		return
	}
	s.mu.Lock()
	s.pending[id] = text
	s.mu.Unlock()
}

func (s *chat) list() {
	convs := s.c.Conversations()
	if len(convs) == 0 {
		s.printf("* no conversations yet\n")
	}
	for _, cv := range convs {
		s.printf("  %-24s unread %-3d #%d %s: %s\n", label(s.user, cv.ID), cv.Unread, cv.Last.Seq, cv.Last.From, cv.Last.Body)
	}
}

func (s *chat) read() {
	conv := s.conv()
	for _, cv := range s.c.Conversations() {
		if cv.ID == conv && cv.Last.Seq > 0 {
			if err := s.c.Read(conv, cv.Last.Seq); err != nil {
				s.printf("! read: %v\n", err)
				return
			}
			s.printf("* %s read up to #%d\n", label(s.user, conv), cv.Last.Seq)
			return
		}
	}
	s.printf("? nothing to mark read here\n")
}

func (s *chat) recall(ctx context.Context, arg string) {
	conv := s.conv()
	s.mu.Lock()
	mine := s.mine[conv]
	s.mu.Unlock()
	var key int64
	for _, m := range mine {
		if arg == "" || arg == strconv.FormatInt(m.seq, 10) || arg == "#"+strconv.FormatInt(m.seq, 10) {
			key = m.key
		}
	}
	if key == 0 {
		s.printf("? no message of yours to recall here\n")
		return
	}
	if err := s.c.Recall(ctx, conv, key); err != nil {
		s.printf("! recall: %v\n", err)
		return
	}
	s.printf("* recalled\n")
}

// online lists the user's friends with their online state.
func (s *chat) online() {
	var friends []struct {
		ToID string `json:"toId"`
	}
	if err := s.callAs("/v1/friendship/getAllFriendShip", map[string]any{"fromId": s.user}, &friends); err != nil {
		s.printf("! online: %v\n", err)
		return
	}
	ids := make([]string, 0, len(friends))
	for _, f := range friends {
		ids = append(ids, f.ToID)
	}
	if len(ids) == 0 {
		s.printf("* no friends yet\n")
		return
	}
	var status map[string]struct {
		Session []struct{} `json:"session"`
	}
	if err := s.callAs("/v1/user/queryUserOnlineStatus", map[string]any{"userList": ids}, &status); err != nil {
		s.printf("! online: %v\n", err)
		return
	}
	for _, id := range ids {
		state := "offline"
		if n := len(status[id].Session); n > 0 {
			state = fmt.Sprintf("online (%d devices)", n)
		}
		s.printf("  %-24s %s\n", id, state)
	}
}
