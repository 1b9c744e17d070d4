package notify

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/session"
)

type fakeSessions map[string][]session.Session

func (f fakeSessions) Online(_ context.Context, _ uint32, ids []string) (map[string][]session.Session, error) {
	out := map[string][]session.Session{}
	for _, id := range ids {
		if s, ok := f[id]; ok {
			out[id] = s
		}
	}
	return out, nil
}

type published struct{ exchange, key string }

type fakePub struct {
	mu   sync.Mutex
	msgs map[published]mq.Push
	fail string
}

func (p *fakePub) Publish(_ context.Context, exchange, key string, body []byte) error {
	if key == p.fail {
		return errors.New("broker down")
	}
	var push mq.Push
	if err := json.Unmarshal(body, &push); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs[published{exchange, key}] = push
	return nil
}

func TestNotifyGroupsByGateway(t *testing.T) {
	sessions := fakeSessions{
		"alice": {{Broker: "g1", ClientType: device.IOS, IMEI: "a-ios"}, {Broker: "g2", ClientType: device.Web, IMEI: "a-web"}},
		"bob":   {{Broker: "g1", ClientType: device.Android, IMEI: "b-and"}},
		"carol": nil,
	}
	pub := &fakePub{msgs: map[published]mq.Push{}}
	n := New(sessions, pub)
	exclude := device.ID{AppID: 7, UserID: "alice", Type: device.Web, IMEI: "a-web"}
	err := n.Notify(t.Context(), Event{AppID: 7, Command: command.UserModify,
		To: []string{"alice", "bob", "carol", "bob"}, ExcludeDevice: &exclude, Data: map[string]string{"nickName": "A"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.msgs) != 1 {
		t.Fatalf("want one publish (g2 only held the excluded device), got %v", pub.msgs)
	}
	push, ok := pub.msgs[published{mq.ExchangeDownlink, "g1"}]
	if !ok {
		t.Fatalf("no publish to g1: %v", pub.msgs)
	}
	want := []device.ID{{AppID: 7, UserID: "alice", Type: device.IOS, IMEI: "a-ios"}, {AppID: 7, UserID: "bob", Type: device.Android, IMEI: "b-and"}}
	if len(push.To) != 2 || push.To[0] != want[0] || push.To[1] != want[1] {
		t.Errorf("targets = %+v, want %+v", push.To, want)
	}
	if push.Command != command.UserModify || push.AppID != 7 || push.Version != mq.Version || string(push.Data) != `{"nickName":"A"}` {
		t.Errorf("push = %+v", push)
	}
}

func TestNotifyReportsFailedGatewaysButPublishesOthers(t *testing.T) {
	sessions := fakeSessions{
		"alice": {{Broker: "g1", ClientType: device.IOS, IMEI: "x"}},
		"bob":   {{Broker: "g2", ClientType: device.IOS, IMEI: "y"}},
	}
	pub := &fakePub{msgs: map[published]mq.Push{}, fail: "g1"}
	err := New(sessions, pub).Notify(t.Context(), Event{AppID: 1, Command: command.FriendAdd, To: []string{"alice", "bob"}})
	if err == nil {
		t.Fatal("want an error for g1")
	}
	if _, ok := pub.msgs[published{mq.ExchangeDownlink, "g2"}]; !ok {
		t.Error("g2 not published")
	}
}
