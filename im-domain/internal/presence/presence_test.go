package presence

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
)

type fakeStore struct {
	subs    map[string][]string // target -> subscribers
	online  map[string][]session.Session
	customs map[string]Custom
	until   time.Time
}

func (f *fakeStore) Subscribe(_ context.Context, _ uint32, sub string, targets []string, until time.Time) error {
	for _, t := range targets {
		f.subs[t] = append(f.subs[t], sub)
	}
	f.until = until
	return nil
}
func (f *fakeStore) Subscribers(_ context.Context, _ uint32, t string) ([]string, error) {
	return slices.Clone(f.subs[t]), nil
}
func (f *fakeStore) SetCustom(_ context.Context, _ uint32, u string, c Custom) (int64, error) {
	f.customs[u] = c
	return 7, nil
}
func (f *fakeStore) Customs(context.Context, uint32, []string) (map[string]Custom, error) {
	return f.customs, nil
}
func (f *fakeStore) Online(context.Context, uint32, []string) (map[string][]session.Session, error) {
	return f.online, nil
}

type fakeFriends map[string][]friend.Friendship

func (f fakeFriends) All(_ context.Context, _ uint32, from string) ([]friend.Friendship, error) {
	return f[from], nil
}

type sent []notify.Event

func (s *sent) Notify(_ context.Context, ev notify.Event) error { *s = append(*s, ev); return nil }

func newTest() (*Service, *fakeStore, *sent) {
	st := &fakeStore{subs: map[string][]string{"ola": {"sam", "ola"}}, customs: map[string]Custom{},
		online: map[string][]session.Session{"ola": {{Broker: "g", ClientType: device.IOS, IMEI: "o1"}, {Broker: "g", ClientType: device.Web, IMEI: "o2"}}}}
	fr := fakeFriends{"sam": {{FromID: "sam", ToID: "ola", Status: friend.StatusNormal}, {FromID: "sam", ToID: "gone", Status: 2}}}
	n := &sent{}
	return NewService(st, fr, n, slog.New(slog.NewTextHandler(io.Discard, nil))), st, n
}

// TestHandle: a change goes to the subscribers (never the user itself) as
// 4004 and to the user's devices but the changing one as 4005.
func TestHandle(t *testing.T) {
	tests := []struct {
		name   string
		online bool
		status int
	}{{"online", true, StatusOnline}, {"offline", false, StatusOffline}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _, n := newTest()
			dev := device.ID{AppID: 1, UserID: "ola", Type: device.IOS, IMEI: "o1"}
			svc.Handle(t.Context(), Change{AppID: 1, UserID: "ola", Online: tt.online, Version: 5, Time: 9, Device: dev})
			if len(*n) != 2 {
				t.Fatalf("events = %+v", *n)
			}
			notifyEv, syncEv := (*n)[0], (*n)[1]
			if notifyEv.Command != command.UserOnlineStatusNotify || !slices.Equal(notifyEv.To, []string{"sam"}) {
				t.Errorf("4004 = %+v", notifyEv)
			}
			if syncEv.Command != command.UserOnlineStatusSync || !slices.Equal(syncEv.To, []string{"ola"}) || *syncEv.ExcludeDevice != dev {
				t.Errorf("4005 = %+v", syncEv)
			}
			b, _ := json.Marshal(notifyEv.Data)
			var got Status
			if err := json.Unmarshal(b, &got); err != nil || got.Status != tt.status || got.Version != 5 || got.UserID != "ola" {
				t.Errorf("data = %s", b)
			}
		})
	}
}

// TestFriendsOnly: a user subscribes to and queries its live friends and
// itself; the admin anything.
func TestFriendsOnly(t *testing.T) {
	svc, st, _ := newTest()
	denied, err := svc.Subscribe(t.Context(), 1, "sam", false, []string{"ola", "gone", "eve"}, time.Minute)
	if err != nil || !slices.Equal(denied, []string{"gone", "eve"}) || !slices.Contains(st.subs["ola"], "sam") || st.subs["eve"] != nil {
		t.Errorf("subscribe = %v, %v; subs %v", denied, err, st.subs)
	}
	if _, err := svc.Subscribe(t.Context(), 1, "sam", false, []string{"ola"}, 31*24*time.Hour); !errors.Is(err, errcode.MissingField) {
		t.Errorf("a 31-day subscription = %v", err)
	}
	got, denied, _ := svc.Query(t.Context(), 1, "sam", false, []string{"ola", "sam", "eve"})
	if len(got) != 2 || got[0].UserID != "ola" || got[0].Status != StatusOnline || len(got[0].Client) != 2 || !slices.Equal(denied, []string{"eve"}) {
		t.Errorf("query = %+v, denied %v", got, denied)
	}
	got, denied, _ = svc.Query(t.Context(), 1, "admin", true, []string{"eve"})
	if len(got) != 1 || got[0].Status != StatusOffline || len(denied) != 0 {
		t.Errorf("admin query = %+v, denied %v", got, denied)
	}
}
