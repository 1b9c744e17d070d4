package online

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/routing"
)

type fakeSessions struct {
	online  map[string][]session.Session
	dropped []session.Session
	allowed int
}

func (f *fakeSessions) Online(_ context.Context, _ uint32, ids []string) (map[string][]session.Session, error) {
	out := map[string][]session.Session{}
	for _, id := range ids {
		if ss, ok := f.online[id]; ok {
			out[id] = ss
		}
	}
	return out, nil
}
func (f *fakeSessions) OnlinePage(_ context.Context, _ uint32, _ uint64, _ int) (map[string][]session.Session, uint64, error) {
	return f.online, 0, nil
}
func (f *fakeSessions) GatewayConnections(context.Context, uint32, []string) (map[string]int, error) {
	return nil, nil
}
func (f *fakeSessions) DropDevices(_ context.Context, _ uint32, _ string, ss []session.Session) (int, error) {
	f.dropped = append(f.dropped, ss...)
	return len(ss), nil
}
func (f *fakeSessions) Allow(_ context.Context, _ uint32, _ string, limit int, w time.Duration) (bool, time.Time, error) {
	f.allowed++
	return f.allowed <= limit, time.Now().Add(w), nil
}

type noGateways struct{}

func (noGateways) Gateways(context.Context) ([]routing.Gateway, error) { return nil, nil }

type pushes []notify.Event

func (p *pushes) NotifyOnline(_ context.Context, ev notify.Event, _ map[string][]session.Session) error {
	*p = append(*p, ev)
	return nil
}

func newTest(limit int) (*Service, *fakeSessions, *pushes) {
	fs := &fakeSessions{online: map[string][]session.Session{
		"fred": {{Broker: "g1", ClientType: device.IOS, IMEI: "p"}, {Broker: "g2", ClientType: device.Web, IMEI: "b"}},
		"gina": {{Broker: "g1", ClientType: device.Android, IMEI: "a"}}}}
	p := &pushes{}
	return NewService(fs, noGateways{}, p, Limits{Broadcasts: limit}), fs, p
}

// TestLogout: every device, or only the named one, gets a closing 9002
// with 7004 and loses its session; nobody online is no error.
func TestLogout(t *testing.T) {
	web := device.ID{AppID: 1, UserID: "fred", Type: device.Web, IMEI: "b"}
	tests := []struct {
		name string
		user string
		only *device.ID
		want int
	}{{"user", "fred", nil, 2}, {"one device", "fred", &web, 1}, {"absent device", "gina", &web, 0}, {"offline", "nobody", nil, 0}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, fs, p := newTest(1)
			n, err := svc.Logout(t.Context(), 1, tt.user, tt.only, "")
			if err != nil || n != tt.want || len(fs.dropped) != tt.want {
				t.Fatalf("Logout = %d, %v; dropped %v", n, err, fs.dropped)
			}
			if tt.want == 0 {
				if len(*p) != 0 {
					t.Errorf("pushed %+v", *p)
				}
				return
			}
			ev := (*p)[0]
			b, _ := json.Marshal(ev.Data)
			if ev.Command != command.MutualLogin || !ev.Close || ev.OnlyDevice != tt.only ||
				string(b) != `{"code":7004,"msg":"logged out by the app admin"}` {
				t.Errorf("push = %+v %s", ev, b)
			}
		})
	}
}

// TestBroadcastLimit: within the budget a broadcast reaches the online
// devices; over it, RateLimited and no push.
func TestBroadcastLimit(t *testing.T) {
	svc, _, p := newTest(1)
	r, err := svc.Broadcast(t.Context(), 1, nil, json.RawMessage(`"hi"`))
	if err != nil || r != (Reach{Users: 2, Devices: 3}) || len(*p) != 1 || (*p)[0].Command != command.Broadcast {
		t.Fatalf("first = %+v, %v; pushes %+v", r, err, *p)
	}
	if _, err := svc.Broadcast(t.Context(), 1, []string{"gina"}, json.RawMessage(`"hi"`)); !errors.Is(err, errcode.RateLimited) {
		t.Errorf("second = %v, want RateLimited", err)
	}
	if len(*p) != 1 {
		t.Errorf("pushed over the limit: %+v", *p)
	}
}
