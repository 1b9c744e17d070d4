package whaleim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// OutboxEntry is an outgoing message the server has not answered yet.
type OutboxEntry struct {
	MessageID string `json:"messageId"`
	To        string `json:"to,omitempty"`
	Group     string `json:"group,omitempty"`
	Body      string `json:"body"`
	Extra     string `json:"extra,omitempty"`
}

// Store keeps what an app restart must not lose: the last seq emitted per
// conversation and the unanswered outbox. The Client calls it one call at
// a time. A new, empty store starts every conversation at seq 0: the first
// sync emits the whole history the server still has.
type Store interface {
	Load(ctx context.Context) (Snapshot, error)
	SaveSeq(ctx context.Context, conversation string, seq int64) error
	PutOutbox(ctx context.Context, e OutboxEntry) error
	DeleteOutbox(ctx context.Context, messageID string) error
}

// Snapshot is a Store's content.
type Snapshot struct {
	Seqs   map[string]int64 `json:"seqs"`
	Outbox []OutboxEntry    `json:"outbox"` // in send order
}

// MemoryStore keeps the state in memory: it survives a reconnect and a new
// Client on the same store, not a process restart.
type MemoryStore struct {
	mu   sync.Mutex
	snap Snapshot
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{snap: Snapshot{Seqs: map[string]int64{}}} }

// Load returns a copy of the content.
func (m *MemoryStore) Load(context.Context) (Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snap.clone(), nil
}

// SaveSeq records the last seq emitted in conversation.
func (m *MemoryStore) SaveSeq(_ context.Context, conv string, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap.Seqs[conv] = seq
	return nil
}

// PutOutbox adds or replaces an entry.
func (m *MemoryStore) PutOutbox(_ context.Context, e OutboxEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap.put(e)
	return nil
}

// DeleteOutbox removes an entry.
func (m *MemoryStore) DeleteOutbox(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap.remove(id)
	return nil
}

func (s Snapshot) clone() Snapshot {
	c := Snapshot{Seqs: make(map[string]int64, len(s.Seqs)), Outbox: slices.Clone(s.Outbox)}
	for k, v := range s.Seqs {
		c.Seqs[k] = v
	}
	return c
}

func (s *Snapshot) put(e OutboxEntry) {
	for i := range s.Outbox {
		if s.Outbox[i].MessageID == e.MessageID {
			s.Outbox[i] = e
			return
		}
	}
	s.Outbox = append(s.Outbox, e)
}

func (s *Snapshot) remove(id string) {
	s.Outbox = slices.DeleteFunc(s.Outbox, func(e OutboxEntry) bool { return e.MessageID == id })
}

// FileStore keeps the state in one JSON file, rewritten atomically (write
// to a temporary file, then rename) on every change, so a crash leaves
// either the old or the new content.
type FileStore struct {
	path string
	mem  MemoryStore
}

// OpenFileStore loads path, or starts empty when it does not exist.
func OpenFileStore(path string) (*FileStore, error) {
	f := &FileStore{path: path, mem: MemoryStore{snap: Snapshot{Seqs: map[string]int64{}}}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("whaleim: open store: %w", err)
	}
	if err := json.Unmarshal(raw, &f.mem.snap); err != nil {
		return nil, fmt.Errorf("whaleim: store %s is corrupt: %w", path, err)
	}
	if f.mem.snap.Seqs == nil {
		f.mem.snap.Seqs = map[string]int64{}
	}
	return f, nil
}

// Load returns the content.
func (f *FileStore) Load(ctx context.Context) (Snapshot, error) { return f.mem.Load(ctx) }

// SaveSeq records the last seq emitted in conversation.
func (f *FileStore) SaveSeq(ctx context.Context, conv string, seq int64) error {
	return f.change(func(s *Snapshot) { s.Seqs[conv] = seq })
}

// PutOutbox adds or replaces an entry.
func (f *FileStore) PutOutbox(ctx context.Context, e OutboxEntry) error {
	return f.change(func(s *Snapshot) { s.put(e) })
}

// DeleteOutbox removes an entry.
func (f *FileStore) DeleteOutbox(ctx context.Context, id string) error {
	return f.change(func(s *Snapshot) { s.remove(id) })
}

func (f *FileStore) change(fn func(*Snapshot)) error {
	f.mem.mu.Lock()
	defer f.mem.mu.Unlock()
	fn(&f.mem.snap)
	raw, err := json.Marshal(f.mem.snap)
	if err != nil {
		return fmt.Errorf("whaleim: encode store: %w", err)
	}
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("whaleim: write store: %w", err)
	}
	if err := os.Rename(tmp, filepath.Clean(f.path)); err != nil {
		return fmt.Errorf("whaleim: write store: %w", err)
	}
	return nil
}
