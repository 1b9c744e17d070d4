package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/usersign"
)

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const maxWait = time.Second
	type take struct {
		at   time.Duration // offset of the reservation
		wait time.Duration // the wait it must return
		ok   bool
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		takes []take
	}{
		{"burst then wait", 2, 2, []take{{0, 0, true}, {0, 0, true}, {0, 500 * time.Millisecond, true}, {0, time.Second, true}}},
		{"debt beyond maxWait refused", 1, 1, []take{{0, 0, true}, {0, time.Second, true}, {0, 0, false}, {time.Second, time.Second, true}}},
		{"refills over time", 2, 1, []take{{0, 0, true}, {500 * time.Millisecond, 0, true}}},
		{"refill capped at burst", 10, 2, []take{{0, 0, true}, {time.Hour, 0, true}, {time.Hour, 0, true}, {time.Hour, 100 * time.Millisecond, true}}},
		{"disabled", 0, 0, []take{{0, 0, true}, {0, 0, true}, {0, 0, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(tt.rate, tt.burst)
			for i, tk := range tt.takes {
				wait, ok := l.reserve(7, "u", t0.Add(tk.at), maxWait)
				if ok != tk.ok || (wait-tk.wait).Abs() > time.Microsecond {
					t.Errorf("take %d at %v = %v %v, want %v %v", i, tk.at, wait, ok, tk.wait, tk.ok)
				}
			}
			if wait, ok := l.reserve(7, "other", t0, maxWait); !ok || wait != 0 {
				t.Error("users must not share buckets")
			}
		})
	}
}

func TestLimiterPrune(t *testing.T) {
	l := newLimiter(10, 20)
	t0 := time.Unix(1000, 0)
	for range 21 { // the whole burst and one token of debt
		l.reserve(1, "a", t0, time.Second)
	}
	l.prune(t0.Add(2 * time.Second))
	if len(l.users) != 1 {
		t.Fatal("pruned a bucket that was not full yet")
	}
	l.prune(t0.Add(2100 * time.Millisecond))
	if len(l.users) != 0 {
		t.Fatal("kept a full bucket")
	}
}

func TestEvictions(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	ttl := time.Minute
	nu := device.ID{AppID: 7, UserID: "u", Type: device.IOS, IMEI: "new"}
	live := func(broker string, typ device.Type, imei string) session.Session {
		return session.Session{Broker: broker, ClientType: typ, IMEI: imei, LoginTime: 1, Seen: now.UnixMilli()}
	}
	field := func(s session.Session) string { return device.ID{Type: s.ClientType, IMEI: s.IMEI}.Field() }
	tests := []struct {
		name   string
		policy device.Policy
		before []session.Session
		want   []string // "field kick|quiet"
	}{
		{"one device kicks web elsewhere", device.PolicyOneDevice, []session.Session{live("b2", device.Web, "w")}, []string{"1:w kick"}},
		{"unlimited keeps all", device.PolicyUnlimited, []session.Session{live("b1", device.Android, "a")}, nil},
		{"mobile+desktop: android displaced by ios", device.PolicyMobileDesktop,
			[]session.Session{live("b1", device.Android, "a"), live("b1", device.Mac, "m")}, []string{"3:a kick"}},
		{"same device here: hub replaces it", device.PolicyOneDevice, []session.Session{live("b1", device.IOS, "new")}, nil},
		{"same device elsewhere: closed quietly", device.PolicyOneDevice, []session.Session{live("b2", device.IOS, "new")}, []string{"2:new quiet"}},
		{"stale session dropped quietly", device.PolicyUnlimited,
			[]session.Session{{Broker: "b9", ClientType: device.Web, IMEI: "w", Seen: now.Add(-2 * ttl).UnixMilli()}}, []string{"1:w quiet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]session.Session{}
			for _, s := range tt.before {
				before[field(s)] = s
			}
			var got []string
			for _, ev := range evictions(nu, "b1", tt.policy, before, now, ttl) {
				mode := "quiet"
				if ev.kick {
					mode = "kick"
				}
				got = append(got, ev.id.Field()+" "+mode)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("evictions = %v, want %v", got, tt.want)
			}
		})
	}
}

// login connects a fake transport as user u with a fresh sign.
func login(t *testing.T, g *Gateway, user string, typ device.Type, imei string) (*conn, *fakeTransport) {
	t.Helper()
	tr := newFakeTransport()
	c := newConn(g, tr, "10.0.0.1", time.Now())
	if err := g.hub.add(c, 100, 0); err != nil {
		t.Fatal(err)
	}
	sign, _ := usersign.Generate([]byte("s"), 7, user, time.Now(), time.Hour)
	body, _ := json.Marshal(payload.Login{UserID: user, UserSign: sign})
	if !c.handle(t.Context(), packet.Client{Command: command.Login, Device: typ, AppID: 7, IMEI: imei, Body: body}) {
		t.Fatalf("login refused: %v", lastData(t, tr, command.LoginAck))
	}
	if got := lastData(t, tr, command.LoginAck)["code"]; got != float64(200) {
		t.Fatalf("login ack code = %v", got)
	}
	return c, tr
}

func TestDispatch(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := login(t, g, "alice", device.IOS, "i1")
	msg := func(body string) packet.Client {
		return packet.Client{Command: command.MessageP2P, Device: device.IOS, AppID: 7, IMEI: "i1", Body: []byte(body)}
	}
	tests := []struct {
		name string
		p    packet.Client
		cmd  command.Code // reply command
		code float64
	}{
		{"unknown command", packet.Client{Command: 4242, AppID: 7, Body: []byte("{}")}, command.ErrorNotice, 1004},
		{"server-only command", packet.Client{Command: command.MessageAck, AppID: 7}, command.ErrorNotice, 1004},
		{"forged fromId", msg(`{"messageId":"m1","fromId":"bob","toId":"carol"}`), command.MessageAck, 7001},
		{"wrong appId", packet.Client{Command: command.MessageP2P, AppID: 8, Body: []byte(`{"messageId":"m2","toId":"b"}`)}, command.MessageAck, 2004},
		{"not an object", msg(`[1]`), command.MessageAck, 1001},
		{"unsupported format", packet.Client{Command: command.MessageRead, AppID: 7, Format: packet.XML, Body: []byte("<x/>")}, command.ErrorNotice, 1007},
		{"group send without groupId", packet.Client{Command: command.GroupMessage, AppID: 7, Body: []byte(`{"messageId":"g"}`)}, command.GroupMessageAck, 1002},
		{"second login", packet.Client{Command: command.Login, AppID: 7, Body: []byte(`{}`)}, command.ErrorNotice, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tr.written())
			if !c.handle(t.Context(), tt.p) {
				t.Fatal("connection ended")
			}
			testwait.Until(t, 5*time.Second, "reply", func() bool { return len(tr.written()) > before })
			if d := lastData(t, tr, tt.cmd); d["code"] != tt.code {
				t.Errorf("reply %v code = %v, want %v", tt.cmd, d["code"], tt.code)
			}
		})
	}
	if len(pub.all()) != 0 {
		t.Fatalf("refused frames were published: %d", len(pub.all()))
	}
	t.Run("routed", func(t *testing.T) {
		if !c.handle(t.Context(), msg(`{"messageId":"ok","fromId":"alice","toId":"bob"}`)) {
			t.Fatal("connection ended")
		}
		testwait.Until(t, 5*time.Second, "publish", func() bool { return len(pub.all()) == 1 })
		ups := pub.uplinks(t)
		want := mq.UplinkKey(mq.Shard(7, mq.P2PConversation("alice", "bob"), g.cfg.UplinkShards))
		got := pub.all()[0]
		if len(ups) != 1 || got.exchange != mq.ExchangeUplink || got.key != want || ups[0].From != c.id || ups[0].Broker != "b1" {
			t.Errorf("published %v to %s/%s", ups, got.exchange, got.key)
		}
	})
	t.Run("publish failure is retryable", func(t *testing.T) {
		pub.setFail(errors.New("broker down"))
		n := len(tr.written())
		c.handle(t.Context(), msg(`{"messageId":"m9","toId":"bob"}`))
		testwait.Until(t, 5*time.Second, "ack", func() bool { return len(tr.written()) > n })
		d := lastData(t, tr, command.MessageAck)
		if d["code"] != float64(errcode.Unavailable.Code) || d["data"].(map[string]any)["messageId"] != "m9" {
			t.Errorf("ack = %v", d)
		}
		pub.setFail(context.DeadlineExceeded)
		n = len(tr.written())
		c.handle(t.Context(), msg(`{"messageId":"m10","toId":"bob"}`))
		testwait.Until(t, 5*time.Second, "ack", func() bool { return len(tr.written()) > n })
		if d := lastData(t, tr, command.MessageAck); d["code"] != float64(errcode.Timeout.Code) {
			t.Errorf("ack = %v", d)
		}
	})
}

func TestDispatchBeforeLogin(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	tr := newFakeTransport()
	c := newConn(g, tr, "ip", time.Now())
	if !c.handle(t.Context(), packet.Client{Command: command.MessageP2P, AppID: 7, Body: []byte(`{"messageId":"x","toId":"b"}`)}) {
		t.Fatal("unauthenticated send closed the connection")
	}
	if d := lastData(t, tr, command.MessageAck); d["code"] != float64(errcode.Unauthenticated.Code) {
		t.Errorf("ack = %v", d)
	}
	c.handle(t.Context(), packet.Client{Command: command.Ping, AppID: 7})
	lastData(t, tr, command.Ping)
	sign, _ := usersign.Generate([]byte("s"), 7, "u", time.Now().Add(-2*time.Hour), time.Hour)
	body, _ := json.Marshal(payload.Login{UserID: "u", UserSign: sign})
	if c.handle(t.Context(), packet.Client{Command: command.Login, AppID: 7, Device: device.Web, IMEI: "w", Body: body}) {
		t.Fatal("expired sign kept the connection")
	}
	if d := lastData(t, tr, command.LoginAck); d["code"] != float64(errcode.SignExpired.Code) {
		t.Errorf("login ack = %v", d)
	}
	testwait.Until(t, 5*time.Second, "close after the ack", tr.isClosed)
	if len(pub.all()) != 0 {
		t.Fatal("published before login")
	}
}

func TestPolicyKicksLocalDevice(t *testing.T) {
	g, _, ss := testGateway(t, device.PolicyOneDevice)
	old, oldTr := login(t, g, "u", device.Android, "a")
	_, _ = login(t, g, "u", device.Web, "w")
	if d := lastData(t, oldTr, command.MutualLogin); d["code"] != float64(errcode.Kicked.Code) {
		t.Errorf("kick data = %v", d)
	}
	testwait.Until(t, 5*time.Second, "kicked connection closed", oldTr.isClosed)
	if _, ok := ss.m[session.Key(7, "u")][old.id.Field()]; ok {
		t.Error("displaced session still stored")
	}
	// The same device reconnecting replaces itself without a 9002.
	again, againTr := login(t, g, "u", device.Web, "w")
	_ = again
	if len(againTr.written()) != 1 {
		t.Errorf("reconnect got %d frames", len(againTr.written()))
	}
}

// TestRefusedSendEchoesMessageID: a refused send is answered with its
// up-ACK naming the message, in the envelope and in the data, even when
// its body decoded only in part.
func TestRefusedSendEchoesMessageID(t *testing.T) {
	g, pub, _ := testGateway(t, device.PolicyUnlimited)
	c, tr := login(t, g, "alice", device.IOS, "i1")
	tests := []struct {
		name, body, id string
		code           errcode.Code
	}{
		{"field of the wrong type", `{"messageId":"m3","toId":"bob","messageBody":5}`, "m3", errcode.MalformedJSON.Code},
		{"missing toId", `{"messageId":"m4"}`, "m4", errcode.MissingField.Code},
		{"not JSON", `{"messageId":"m5",`, "", errcode.MalformedJSON.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(tr.written())
			c.handle(t.Context(), packet.Client{Command: command.MessageP2P, AppID: 7, Body: []byte(tt.body)})
			testwait.Until(t, 5*time.Second, "ack", func() bool { return len(tr.written()) > n })
			var env payload.Envelope
			var ack payload.MessageAck
			f := tr.written()[n]
			if err := json.Unmarshal(f.Body, &env); err != nil || json.Unmarshal(env.Data, &ack) != nil {
				t.Fatalf("undecodable ack %s", f.Body)
			}
			want := payload.Envelope{Command: command.MessageAck, AppID: 7, UserID: "alice", ToID: "alice",
				ClientType: device.IOS, IMEI: "i1", MessageID: tt.id}
			env.Data = nil
			if f.Command != command.MessageAck || !reflect.DeepEqual(env, want) || ack.Code != tt.code || ack.Data == nil || ack.Data.MessageID != tt.id {
				t.Errorf("ack %v %+v data %+v", f.Command, env, ack)
			}
		})
	}
	if len(pub.all()) != 0 {
		t.Fatal("a refused send was published")
	}
}

// TestPprofSetting: the profiles are served only when IM_PPROF is on.
func TestPprofSetting(t *testing.T) {
	for _, on := range []bool{false, true} {
		g, _, _ := testGateway(t, device.PolicyUnlimited)
		g.cfg.Pprof = on
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		g.opsHandler().ServeHTTP(rec, req)
		if got := rec.Code == http.StatusOK; got != on {
			t.Errorf("IM_PPROF=%v: /debug/pprof/ answered %d", on, rec.Code)
		}
	}
}
