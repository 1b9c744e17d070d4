package whaleim_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// Both stores keep seqs and the outbox in send order; the file store
// keeps them across a reopen (an app restart).
func TestStoresKeepSeqsAndOutbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.json")
	fs, err := whaleim.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]whaleim.Store{"memory": whaleim.NewMemoryStore(), "file": fs}
	want := whaleim.Snapshot{Seqs: map[string]int64{"p2p:a:b": 7, "group:g": 3},
		Outbox: []whaleim.OutboxEntry{{MessageID: "m1", To: "b", Body: "one"}, {MessageID: "m3", Group: "g", Body: "three"}}}
	for name, s := range stores {
		steps := []error{
			s.SaveSeq(ctx, "p2p:a:b", 5), s.SaveSeq(ctx, "p2p:a:b", 7), s.SaveSeq(ctx, "group:g", 3),
			s.PutOutbox(ctx, whaleim.OutboxEntry{MessageID: "m1", To: "b", Body: "one"}),
			s.PutOutbox(ctx, whaleim.OutboxEntry{MessageID: "m2", To: "b", Body: "two"}),
			s.PutOutbox(ctx, whaleim.OutboxEntry{MessageID: "m3", Group: "g", Body: "three"}),
			s.DeleteOutbox(ctx, "m2"),
		}
		for _, err := range steps {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		got, err := s.Load(ctx)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Load = %+v, %v; want %+v", name, got, err, want)
		}
		got.Seqs["p2p:a:b"] = 99 // a copy: the store must not change
		if again, _ := s.Load(ctx); again.Seqs["p2p:a:b"] != 7 {
			t.Errorf("%s: Load returned the store's own map", name)
		}
	}
	reopened, err := whaleim.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := reopened.Load(ctx); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen: %+v, want %+v", got, want)
	}
}

// A corrupt store file is an error that names the file, not an empty
// state that would silently drop the outbox.
func TestFileStoreRefusesCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := whaleim.OpenFileStore(path); err == nil {
		t.Fatal("a corrupt store opened without an error")
	}
}

func TestConfigRequiresIdentity(t *testing.T) {
	for name, cfg := range map[string]whaleim.Config{
		"no REST":  {AppID: 1, UserID: "a", Sign: sign},
		"no app":   {RESTURLs: []string{"http://x"}, UserID: "a", Sign: sign},
		"no user":  {RESTURLs: []string{"http://x"}, AppID: 1, Sign: sign},
		"no signs": {RESTURLs: []string{"http://x"}, AppID: 1, UserID: "a"},
	} {
		if _, err := whaleim.New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func sign(context.Context, string) (string, error) { return "s", nil }
