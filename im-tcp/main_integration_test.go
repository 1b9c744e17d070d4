//go:build integration

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/rabbit"
	"github.com/whaleim/whaleim/im-common/rabbit/rabbittest"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/usersign"
	"github.com/whaleim/whaleim/im-common/zookeeper"
)

// TestMain gives the package a private RabbitMQ vhost (unless
// IM_TEST_RABBIT_URL names one) so that the login checks of its gateways
// reach only the stand-in domain below, never a domain node of another
// test on the shared broker.
func TestMain(m *testing.M) {
	if os.Getenv("IM_TEST_RABBIT_URL") == "" {
		vh := "imtest_tcp_" + randHex(6)
		if err := rabbittest.AddVhost(vh); err != nil {
			fmt.Fprintln(os.Stderr, "im-tcp tests:", err)
			os.Exit(1)
		}
		rabbitURL += vh
		defer func() { _ = rabbittest.DeleteVhost(vh) }()
	}
	stop, err := serveLoginChecks(rabbitURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "im-tcp tests: login check stand-in:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	if code != 0 {
		os.Exit(code) // after the deferred vhost deletion would be skipped: fine, it is private
	}
}

// serveLoginChecks answers mq.QueueAuth as the domain would: users named
// banned-* are forbidden, ghost-* were never imported, everyone else may
// log in.
func serveLoginChecks(url string) (stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	c, err := rabbit.Dial(ctx, url, mq.AuthTopology(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{}, 2)
	go func() { _ = c.Run(ctx); done <- struct{}{} }()
	go func() { _ = c.Serve(ctx, mq.QueueAuth, standInVerdict); done <- struct{}{} }()
	return func() { cancel(); <-done; <-done }, nil
}

func standInVerdict(_ context.Context, body []byte) ([]byte, error) {
	var q mq.AuthRequest
	if err := json.Unmarshal(body, &q); err != nil {
		return nil, err
	}
	e := errcode.Success
	switch {
	case strings.HasPrefix(q.UserID, "banned-"):
		e = errcode.UserForbidden
	case strings.HasPrefix(q.UserID, "ghost-"):
		e = errcode.UserNotFound
	}
	return json.Marshal(mq.AuthReply{Version: mq.Version, Code: int(e.Code), Msg: e.Message})
}

// TestLoginAsksTheDomain: over real RabbitMQ, a user the domain refuses
// gets its code in the LOGIN ACK and is disconnected; no session is
// written.
func TestLoginAsksTheDomain(t *testing.T) {
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), nil)
	tests := []struct {
		user string
		code float64
	}{{"banned-fred", 3002}, {"ghost-gus", 3000}, {"alice", 200}}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			c := dialTCP(t, g.tcp, app, device.IOS, "i1")
			sign, _ := usersign.Generate(secret, app, tt.user, time.Now(), time.Hour)
			c.send(command.Login, payload.Login{UserID: tt.user, UserSign: sign})
			c.expect(command.LoginAck, tt.code)
			if tt.code != 200 {
				c.expectClosed()
				if n := rdb.Exists(t.Context(), session.Key(app, tt.user)).Val(); n != 0 {
					t.Error("a refused login wrote a session")
				}
			}
		})
	}
}

// TestLoginRefusedWhenNoDomainAnswers: with no domain node (the check
// queue missing, or declared but unserved) a login with a valid sign is
// refused with the retryable 9001, never admitted.
func TestLoginRefusedWhenNoDomainAnswers(t *testing.T) {
	vh := "imtest_tcp_nodomain_" + randHex(4)
	if err := rabbittest.AddVhost(vh); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rabbittest.DeleteVhost(vh) })
	url := strings.TrimSuffix(rabbitURL, rabbitURL[strings.LastIndex(rabbitURL, "/")+1:]) + vh
	rdb := redisClient(t)
	app, secret := seedApp(t, rdb, device.PolicyUnlimited)
	g := startGateway(t, zkRoot(t), map[string]string{"IM_RABBIT_URL": url, "IM_LOGIN_CHECK_TIMEOUT": "300ms"})
	attempt := func() {
		c := dialTCP(t, g.tcp, app, device.IOS, "i1")
		sign, _ := usersign.Generate(secret, app, "alice", time.Now(), time.Hour)
		c.send(command.Login, payload.Login{UserID: "alice", UserSign: sign})
		c.expect(command.LoginAck, float64(errcode.Unavailable.Code))
		c.expectClosed()
	}
	attempt() // no im.auth queue at all: unroutable
	declare, err := rabbit.Dial(t.Context(), url, mq.AuthTopology(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = declare.Run(ctx) // closes the connection
	})
	attempt() // the queue exists, nobody serves it: the check times out
	if n := rdb.Exists(t.Context(), session.Key(app, "alice")).Val(); n != 0 {
		t.Error("a login nobody checked wrote a session")
	}
}

// /readyz reports the ZooKeeper session: main's checks probe it, ok with a
// session and failing without (closing the gateway's own client would stop
// the gateway, whose registration dies with it, so the probe is checked on
// the node's check list with a client of the test's).
func TestReadyzReportsZooKeeper(t *testing.T) {
	g := startGateway(t, zkRoot(t), nil)
	resp, err := http.Get("http://" + g.ops + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	zc, err := zookeeper.Connect(t.Context(), []string{zkAddr}, 4*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	n := &node{zk: zc}
	probe := func() error {
		for _, c := range n.checks() {
			if c.Name == "zookeeper" {
				return c.Probe(t.Context())
			}
		}
		t.Fatal("no zookeeper check in /readyz")
		return nil
	}
	if err := probe(); err != nil {
		t.Fatalf("zookeeper check with a session: %v", err)
	}
	zc.Close()
	if err := probe(); !errors.Is(err, zookeeper.ErrNoSession) {
		t.Fatalf("zookeeper check without a session = %v, want ErrNoSession", err)
	}
}
