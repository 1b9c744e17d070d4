//go:build integration

package redisdb_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/whaleim/whaleim/im-domain/internal/apitest"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

// privateRedis starts a redis-server of its own (FLUSHALL must not touch the
// shared instance other packages test against) and kills it at cleanup.
func privateRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start private redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	t.Cleanup(func() { rdb.Close() })
	for deadline := time.Now().Add(10 * time.Second); rdb.Ping(t.Context()).Err() != nil; {
		if time.Now().After(deadline) {
			t.Fatal("private redis-server did not answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rdb
}

// eachBackend runs fn once on the real services (a private redis-server,
// FLUSHALL being part of the contract, and MariaDB) and once on the
// standalone binary's embedded ones (miniredis and SQLite).
func eachBackend(t *testing.T, fn func(t *testing.T, rdb *redis.Client, db *mariadb.DB)) {
	t.Run("redis+mariadb", func(t *testing.T) { fn(t, privateRedis(t), openDB(t)) })
	t.Run("miniredis+sqlite", func(t *testing.T) { fn(t, apitest.Miniredis(t), apitest.SQLite(t)) })
}

func openDB(t *testing.T) *mariadb.DB {
	db, err := mariadb.Open(t.Context(), apitest.DSN(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSequencer_FlushAllNeverReusesOrLowers(t *testing.T) {
	eachBackend(t, func(t *testing.T, rdb *redis.Client, db *mariadb.DB) {
		seqs := redisdb.Wrap(rdb, time.Minute).NewSequencer(db, 5)
		app, conv := apitest.RandomAppID(), "p2p:a:b"
		var got []int64
		for round := range 4 {
			for range 7 {
				s, err := seqs.Next(t.Context(), app, conv)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, s)
			}
			if round%2 == 0 {
				rdb.FlushAll(t.Context())
			} else { // a restart without persistence
				rdb.Del(t.Context(), fmt.Sprintf("%d:msgSeq:{%s}:lim", app, conv))
			}
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("seq %d after %d: %v", got[i], got[i-1], got)
			}
		}
		if got[0] != 1 {
			t.Fatalf("first seq %d, want 1", got[0])
		}
	})
}

func TestSequencer_ConcurrentNodesWithFlushAllUnique(t *testing.T) {
	eachBackend(t, func(t *testing.T, rdb *redis.Client, db *mariadb.DB) {
		app, conv := apitest.RandomAppID(), "group:g1"
		nodes := []*redisdb.Sequencer{redisdb.Wrap(rdb, time.Minute).NewSequencer(db, 3),
			redisdb.Wrap(rdb, time.Minute).NewSequencer(db, 3)}
		var mu sync.Mutex
		var all []int64
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 40 {
					s, err := nodes[w%2].Next(t.Context(), app, conv)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					all = append(all, s)
					mu.Unlock()
					if w == 0 && i%10 == 9 {
						rdb.FlushAll(t.Context())
					}
				}
			})
		}
		wg.Wait()
		slices.Sort(all)
		if len(slices.Compact(slices.Clone(all))) != len(all) {
			t.Fatalf("a seq was issued twice: %v", all)
		}
	})
}

// One pipelined call serves many conversations, blocks smaller than a
// request, a flush (keys and scripts gone) in between: every conversation's
// seqs stay consecutive within a call and increasing across calls.
func TestSequencer_NextAllBlocksAndFlush(t *testing.T) {
	eachBackend(t, func(t *testing.T, rdb *redis.Client, db *mariadb.DB) {
		seqs := redisdb.Wrap(rdb, time.Minute).NewSequencer(db, 4)
		app := apitest.RandomAppID()
		reqs := []message.SeqRequest{{AppID: app, Conversation: "p2p:a:b", N: 3}, {AppID: app, Conversation: "group:g", N: 9},
			{AppID: app + 1, Conversation: "p2p:a:b", N: 1}}
		last := make([]int64, len(reqs))
		for round := range 4 {
			firsts, err := seqs.NextAll(t.Context(), reqs)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range firsts {
				if f <= last[i] || (round == 0 && f != 1) {
					t.Fatalf("round %d: %s starts at %d after %d", round, reqs[i].Conversation, f, last[i])
				}
				last[i] = f + reqs[i].N - 1
			}
			if round == 1 {
				rdb.FlushAll(t.Context())
				rdb.ScriptFlush(t.Context())
			}
		}
		got, err := seqs.Current(t.Context(), app, []string{"p2p:a:b", "group:g", "p2p:x:y"})
		if _, any := got["p2p:x:y"]; err != nil || got["p2p:a:b"] != last[0] || got["group:g"] != last[1] || any {
			t.Fatalf("last seqs %v, %v; want %d, %d, none", got, err, last[0], last[1])
		}
	})
}

// ClaimAll: fresh keys are won, taken ones return their entry; SaveAll and
// ReleaseAll change many entries at once.
func TestDedup_ClaimAllSaveAllReleaseAll(t *testing.T) {
	eachBackend(t, func(t *testing.T, rdb *redis.Client, db *mariadb.DB) {
		d := redisdb.Wrap(rdb, time.Minute).NewDedup(time.Minute)
		app := apitest.RandomAppID()
		a, b := message.SenderKey{AppID: app, FromID: "u", MessageID: "a"}, message.SenderKey{AppID: app, FromID: "u", MessageID: "b"}
		done := message.Entry{State: message.Done, At: 1, Seq: 7, Key: 8, Time: 9}
		if err := d.SaveAll(t.Context(), []message.SenderKey{a}, []message.Entry{done}); err != nil {
			t.Fatal(err)
		}
		fresh := message.Entry{State: message.Pending, At: 2}
		got, err := d.ClaimAll(t.Context(), []message.SenderKey{a, b}, fresh)
		if err != nil {
			t.Fatal(err)
		}
		want := []message.Claim{{Entry: done, Found: true}, {Entry: fresh, Won: true, Found: true}}
		if !slices.Equal(got, want) {
			t.Fatalf("claims %+v, want %+v", got, want)
		}
		if err := d.ReleaseAll(t.Context(), []message.SenderKey{a, b}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := d.Get(t.Context(), b); ok || err != nil {
			t.Fatalf("released entry still there: %v", err)
		}
	})
}

// BenchmarkDedupSeqBatch is the Redis side of one batch of 100 sends in
// 20 conversations: claims, seqs, assigned entries, done entries (four
// round trips; ns/op is per batch).
func BenchmarkDedupSeqBatch(b *testing.B) {
	rc := redisdb.Wrap(apitest.Redis(b), time.Minute)
	db, err := mariadb.Open(b.Context(), apitest.DSN(b), 5)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	d, seqs := rc.NewDedup(time.Minute), rc.NewSequencer(db, 1000)
	app := apitest.RandomAppID()
	reqs := make([]message.SeqRequest, 20)
	for i := range reqs {
		reqs[i] = message.SeqRequest{AppID: app, Conversation: fmt.Sprintf("p2p:a:%d", i), N: 5}
	}
	keys := make([]message.SenderKey, 100)
	entries := make([]message.Entry, 100)
	b.ReportAllocs()
	for n := 0; b.Loop(); n++ {
		for i := range keys {
			keys[i] = message.SenderKey{AppID: app, FromID: "a", MessageID: fmt.Sprintf("%d-%d", n, i)}
		}
		if _, err := d.ClaimAll(b.Context(), keys, message.Entry{State: message.Pending, At: 1}); err != nil {
			b.Fatal(err)
		}
		firsts, err := seqs.NextAll(b.Context(), reqs)
		if err != nil {
			b.Fatal(err)
		}
		for i := range entries {
			entries[i] = message.Entry{State: message.Assigned, At: 2, Seq: firsts[i%20] + int64(i/20), Key: int64(i)}
		}
		if err := d.SaveAll(b.Context(), keys, entries); err != nil {
			b.Fatal(err)
		}
		for i := range entries {
			entries[i].State = message.Done
		}
		if err := d.SaveAll(b.Context(), keys, entries); err != nil {
			b.Fatal(err)
		}
	}
}
