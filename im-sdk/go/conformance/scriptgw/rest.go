package scriptgw

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// AppID is the tenant every scenario runs under.
const AppID = 10000

type restEnvelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data"`
}

func answer(w http.ResponseWriter, code int, data any) {
	status := http.StatusOK
	if code != 200 {
		status = http.StatusServiceUnavailable
		data = nil
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(restEnvelope{Code: code, Msg: http.StatusText(status), Data: data})
}

// restLogin answers the n-th login with the n-th scripted answer.
func (g *Gateway) restLogin(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	n := g.logins
	g.logins++
	g.mu.Unlock()
	a := LoginAnswer{Code: 200}
	if l := g.sc.Login; len(l) > 0 {
		a = l[min(n, len(l)-1)]
	}
	if a.Code == 0 {
		a.Code = 200
	}
	tcp, ws := g.TCPAddr(), g.WSURL()
	if a.Gateway == "dead" {
		tcp, ws = g.dead, "ws://"+g.dead+"/ws"
	}
	answer(w, a.Code, map[string]any{"appId": AppID, "userId": g.sc.User, "brokerId": "scripted",
		"tcpAddress": tcp, "wsAddress": ws})
}

// maxSeq is the highest visible seq of conv.
func (g *Gateway) maxSeq(conv string) int64 {
	var m int64
	for seq, vis := range g.visible[conv] {
		if vis && seq > m {
			m = seq
		}
	}
	return m
}

func (g *Gateway) restMaxSeqs(w http.ResponseWriter, _ *http.Request) {
	answer(w, 200, g.maxSeqs())
	g.syncs <- struct{}{}
}

// maxSeqs is the max-sequence answer: every conversation, by id.
func (g *Gateway) maxSeqs() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	convs := make([]string, 0, len(g.visible))
	for c := range g.visible {
		convs = append(convs, c)
	}
	sort.Strings(convs)
	out := []map[string]any{}
	for _, c := range convs {
		out = append(out, map[string]any{"conversationId": c, "receiveSequence": 0, "readSequence": 0,
			"clearedSequence": 0, "maxSequence": g.maxSeq(c)})
	}
	return out
}

// restPull records the request for expect_pull and answers from the
// visible messages, like the real route.
func (g *Gateway) restPull(w http.ResponseWriter, r *http.Request) {
	var q pullRequest
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.Conversation == "" {
		g.violate("malformed pull request: %v", err)
		answer(w, 1001, nil)
		return
	}
	g.pulls <- q
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	page := map[string]any{"conversationId": q.Conversation, "maxSequence": g.maxSeq(q.Conversation)}
	list := []map[string]any{}
	msgs := g.sc.Conversations[q.Conversation]
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Seq < msgs[j].Seq })
	var last int64
	for _, m := range msgs {
		if m.Seq > q.After && g.visible[q.Conversation][m.Seq] && len(list) < limit {
			list = append(list, view(q.Conversation, g.sc.User, m))
			last = m.Seq
		}
	}
	page["dataList"] = list
	page["completed"] = len(list) < limit || last >= g.maxSeq(q.Conversation)
	answer(w, 200, page)
}

// view is a stored message as the pull route shows it (recalled ones
// without their content).
func view(conv, user string, m Message) map[string]any {
	v := message(conv, user, m)
	v["conversationId"] = conv
	if m.Recalled {
		v["recalled"] = true
		v["messageBody"] = ""
	}
	return v
}

// message is the data of a 1103/2104 push of m.
func message(conv, user string, m Message) map[string]any {
	v := map[string]any{"messageId": m.ID, "fromId": m.From, "messageBody": m.Body,
		"messageKey": m.Seq, "messageSequence": m.Seq, "messageTime": 1700000000000 + m.Seq}
	if g, ok := strings.CutPrefix(conv, "group:"); ok {
		v["groupId"] = g
		return v
	}
	v["toId"] = peer(conv, m.From)
	return v
}

// peer is the other member of a 1:1 conversation "p2p:a:b".
func peer(conv, from string) string {
	parts := strings.Split(strings.TrimPrefix(conv, "p2p:"), ":")
	if len(parts) != 2 {
		return ""
	}
	if parts[0] == from {
		return parts[1]
	}
	return parts[0]
}
