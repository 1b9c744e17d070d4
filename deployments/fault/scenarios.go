package fault

import (
	"context"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/rediscmd"
)

// Scenarios is the fault matrix in priority order; build.sh names the
// CI subset (FAULT_CI).
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "gateway-kill", Hold: 10 * time.Second, Inject: kill9("gateway1"), Heal: restart("gateway1")},
		{Name: "domain-kill", Hold: 10 * time.Second, Inject: kill9("domain1"), Heal: restart("domain1")},
		{Name: "rabbitmq-kill", Inject: func(_ context.Context, e *Env) error { e.rabbit.kill9(); return nil },
			Heal: func(_ context.Context, e *Env) error { return e.rabbit.start() }},
		{Name: "redis-loss", Hold: time.Second,
			Inject: func(_ context.Context, e *Env) error { e.redis.kill9(); return nil },
			Heal:   func(_ context.Context, e *Env) error { return e.redis.start() }},
		{Name: "gateway-sigterm", Hold: 5 * time.Second,
			Inject: func(_ context.Context, e *Env) error { e.svcs["gateway1"].term(20 * time.Second); return nil },
			Heal:   restart("gateway1")},
		{Name: "domain-sigstop", Hold: 8 * time.Second,
			Inject: func(_ context.Context, e *Env) error { return e.svcs["domain1"].pause() },
			Heal:   func(_ context.Context, e *Env) error { return e.svcs["domain1"].resume() }},
		storeLoop(),
		{Name: "redis-flushall", Inject: func(ctx context.Context, e *Env) error {
			_, err := rediscmd.Do(ctx, e.redis.addr, "FLUSHALL")
			return err
		}},
		{Name: "mariadb-stop", Hold: 10 * time.Second,
			Inject: func(_ context.Context, e *Env) error { e.mysql.term(30 * time.Second); return nil },
			Heal:   func(_ context.Context, e *Env) error { return e.mysql.start() }},
		{Name: "zookeeper-stop", Hold: 10 * time.Second,
			Inject: func(_ context.Context, e *Env) error { e.zk.kill9(); return nil },
			Heal:   func(_ context.Context, e *Env) error { return e.zk.start() }},
		{Name: "client-latency-slicing", Hold: 15 * time.Second,
			Inject: degradeClients(50*time.Millisecond, true), Heal: degradeClients(0, false)},
		{Name: "poison-message", Inject: poison, Verify: deadLettered},
		{Name: "reconnect-storm", Inject: func(_ context.Context, e *Env) error {
			for i := range 2 {
				e.clients[i][0].cut()
				e.clients[i][1].cut()
			}
			return nil
		}},
		{Name: "gateway-rabbitmq-partition", Hold: 10 * time.Second,
			Inject: func(_ context.Context, e *Env) error { e.brokers[0].block(); return nil },
			Heal:   func(_ context.Context, e *Env) error { e.brokers[0].unblock(); return nil }},
	}
}

func kill9(name string) func(context.Context, *Env) error {
	return func(_ context.Context, e *Env) error { e.svcs[name].kill9(); return nil }
}

// restart starts a platform process again on its addresses.
func restart(name string) func(context.Context, *Env) error {
	return func(_ context.Context, e *Env) error { return e.svcs[name].start() }
}

func degradeClients(latency time.Duration, slice bool) func(context.Context, *Env) error {
	return func(_ context.Context, e *Env) error {
		for i := range 2 {
			e.clients[i][0].degrade(latency, slice)
			e.clients[i][1].degrade(latency, slice)
		}
		return nil
	}
}

// storeLoop kills the store every 5 s and restarts it 1 s later, for
// 20 s.
func storeLoop() Scenario {
	var cancel context.CancelFunc
	var done chan error
	return Scenario{Name: "store-kill-loop", Hold: 20 * time.Second,
		Inject: func(ctx context.Context, e *Env) error {
			ctx, cancel = context.WithCancel(ctx)
			done = make(chan error, 1)
			go func() { done <- killLoop(ctx, e.svcs["store"]) }()
			return nil
		},
		Heal: func(context.Context, *Env) error {
			cancel()
			return <-done
		}}
}

func killLoop(ctx context.Context, s *service) error {
	for n := 1; ; n++ {
		s.kill9()
		time.Sleep(time.Second) // down for a second
		if err := s.start(); err != nil {
			return fmt.Errorf("store restart %d: %w", n, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(4 * time.Second): // up for four
		}
	}
}
