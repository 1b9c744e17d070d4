package fault

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// fleet is the run's simulated devices: users in 1:1 pairs whose two
// sides the login route puts on different gateways where it can, some
// users with a second (WebSocket) device, and groups spanning both
// gateways.
type fleet struct {
	led     *ledger
	devs    []*simDevice
	byUser  map[string][]int
	partner map[string]string   // 1:1 partner of each user
	groups  map[string][]string // group id -> members
	groupOf map[string]string   // user -> the group it sends to
	senders []int               // devices that send
	byKey   map[string]int      // "user/IMEI" -> device
}

// simDevice is one SDK client whose events go to the ledger.
type simDevice struct {
	idx  int
	user string
	cfg  whaleim.Config
	mu   sync.Mutex
	c    *whaleim.Client
	done chan struct{}
}

// Fleet shape: users, how many of them have two devices (every
// twoDeviceEvery-th), groups and their size.
const (
	fleetUsers     = 24
	twoDeviceEvery = 4
	groupCount     = 2
	groupSize      = 8
)

func newFleet(ctx context.Context, e *Env) (*fleet, error) {
	api := e.api()
	tag := randHex(3)
	users := make([]string, fleetUsers)
	for i := range users {
		users[i] = fmt.Sprintf("f%s_%02d", tag, i)
	}
	if err := api.importUsers(ctx, users); err != nil {
		return nil, err
	}
	f := &fleet{byUser: map[string][]int{}, partner: map[string]string{}, groups: map[string][]string{},
		groupOf: map[string]string{}, byKey: map[string]int{}}
	if err := f.pair(ctx, api, users); err != nil {
		return nil, err
	}
	for g := range groupCount {
		id := fmt.Sprintf("g%s_%d", tag, g)
		members := users[g*groupSize : (g+1)*groupSize]
		if err := api.createGroup(ctx, id, members); err != nil {
			return nil, err
		}
		f.groups[id] = members
		for _, m := range members {
			f.groupOf[m] = id
		}
	}
	for i, u := range users {
		f.addDevice(e, api, u, device.Android, whaleim.TCP)
		if i%twoDeviceEvery == 0 {
			f.addDevice(e, api, u, device.Web, whaleim.WebSocket)
		}
	}
	f.led = newLedger(len(f.devs))
	return f, nil
}

// pair matches users the login route puts on gateway 1 with users on
// gateway 2; the rest pair among themselves.
func (f *fleet) pair(ctx context.Context, api *restAPI, users []string) error {
	side := map[string][]string{}
	for _, u := range users {
		gw, err := api.gatewayOf(ctx, u)
		if err != nil {
			return err
		}
		side[gw] = append(side[gw], u)
	}
	a, b := side["fault-gateway1"], side["fault-gateway2"]
	var rest []string
	for len(a) > 0 && len(b) > 0 {
		f.partner[a[0]], f.partner[b[0]] = b[0], a[0]
		a, b = a[1:], b[1:]
	}
	rest = append(append(rest, a...), b...)
	for i := 0; i+1 < len(rest); i += 2 {
		f.partner[rest[i]], f.partner[rest[i+1]] = rest[i+1], rest[i]
	}
	return nil
}

func (f *fleet) addDevice(e *Env, api *restAPI, user string, typ device.Type, tr whaleim.Transport) {
	d := &simDevice{idx: len(f.devs), user: user, cfg: whaleim.Config{
		RESTURLs: e.restURLs(), AppID: e.run.appID, UserID: user, Device: typ, Transport: tr,
		IMEI: fmt.Sprintf("dev-%s-%d", user, len(f.byUser[user])), Store: whaleim.NewMemoryStore(),
		Sign:       func(_ context.Context, id string) (string, error) { return api.Sign(id) },
		AckTimeout: 3 * time.Second, Heartbeat: 5 * time.Second, BackoffMin: 100 * time.Millisecond,
		BackoffMax: 2 * time.Second, DialTimeout: 5 * time.Second}}
	f.devs = append(f.devs, d)
	f.byKey[user+"/"+d.cfg.IMEI] = d.idx
	if len(f.byUser[user]) == 0 && f.partner[user] != "" {
		f.senders = append(f.senders, d.idx)
	}
	f.byUser[user] = append(f.byUser[user], d.idx)
}

// onWire is the fleet's wireTap.
func (f *fleet) onWire(device, messageID string) {
	if d, ok := f.byKey[device]; ok {
		f.led.wireRecv(d, messageID)
	}
}

// start opens every device's client and waits until all are connected.
func (f *fleet) start() error {
	for _, d := range f.devs {
		if err := d.open(f.led); err != nil {
			return err
		}
	}
	return f.awaitConnected(60 * time.Second)
}

func (d *simDevice) open(led *ledger) error {
	c, err := whaleim.New(d.cfg)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	d.mu.Lock()
	d.c, d.done = c, done
	d.mu.Unlock()
	go func() {
		defer close(done)
		for ev := range c.Events() {
			led.event(d.idx, ev)
		}
	}()
	c.Start()
	return nil
}

func (d *simDevice) client() *whaleim.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}

func (d *simDevice) close() {
	d.mu.Lock()
	c, done := d.c, d.done
	d.mu.Unlock()
	if c != nil {
		_ = c.Close()
		<-done
	}
}

// connected counts devices whose client is connected.
func (f *fleet) connected() int {
	n := 0
	for _, d := range f.devs {
		if d.client().State() == whaleim.Connected {
			n++
		}
	}
	return n
}

// pending counts sends that await the server's answer on every device.
func (f *fleet) pending() int {
	n := 0
	for _, d := range f.devs {
		n += d.client().Pending()
	}
	return n
}

func (f *fleet) awaitConnected(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for f.connected() < len(f.devs) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d devices connected after %v", f.connected(), len(f.devs), limit)
		}
		time.Sleep(100 * time.Millisecond) // polling the SDK's state
	}
	return nil
}

// resync closes every client and opens it again on its store, as an app
// restart does: the login runs the SDK's sync of every conversation.
func (f *fleet) resync() error {
	for _, d := range f.devs {
		d.close()
		if err := d.open(f.led); err != nil {
			return err
		}
	}
	return f.awaitConnected(60 * time.Second)
}

func (f *fleet) close() {
	for _, d := range f.devs {
		d.close()
	}
}

// send makes the k-th send of the run from sender device s: every
// fourth to its group, the others to its 1:1 partner.
func (f *fleet) send(ctx context.Context, s, k int) error {
	d := f.devs[s]
	m := whaleim.Outgoing{To: f.partner[d.user], Body: fmt.Sprintf("fault %d from %s", k, d.user)}
	rec := &msgRec{from: s, to: m.To, conv: whaleim.P2P(d.user, m.To), sentAt: time.Now()}
	if g := f.groupOf[d.user]; g != "" && k%4 == 0 {
		m = whaleim.Outgoing{Group: g, Body: m.Body}
		rec.group, rec.to, rec.conv = g, "", whaleim.GroupConversation(g)
	}
	// the ledger must know the id before the SDK's events about it
	f.led.mu.Lock()
	id, err := d.client().Send(ctx, m)
	if err == nil {
		rec.id = id
		f.led.msgs[id] = rec
		f.led.order = append(f.led.order, rec)
	}
	f.led.mu.Unlock()
	return err
}

// expected lists the devices that must receive m at the app level: every
// device of the receiver or of every group member, and the sender's other
// devices; never the sending device.
func (f *fleet) expected(m *msgRec) []int {
	users := []string{f.devs[m.from].user, m.to}
	if m.group != "" {
		users = f.groups[m.group]
	}
	var out []int
	for _, u := range users {
		for _, d := range f.byUser[u] {
			if d != m.from {
				out = append(out, d)
			}
		}
	}
	return out
}
