package inproc

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// logName is the journal's file in the data folder.
const logName = "queue.log"

// journal is the append-only log of the durable queues, written by one
// goroutine with group commit: records appended while an fsync runs are
// written and synced together by the next one, so many publishers share
// each fsync. A publish's apply (putting the message in its queue) runs
// only after the fsync that made it durable, and before any compaction can
// snapshot the queues: the log and the queues never disagree.
type journal struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	f       *os.File
	size    int64 // bytes in f
	buf     []byte
	applies []func()
	waiters []chan error
	failed  error // sticky: a failed write or fsync stops durable publishing
	closed  bool

	wake    chan struct{}
	stopped chan struct{}

	// snapshot encodes every live durable message, for compaction.
	snapshot func() ([]byte, error)
	// compactAt is the file size that makes the writer try a compaction.
	compactAt, minCompact int64
}

// openJournal replays dir's log through keep (called in file order for
// every message still in its queue) and opens it for appending. A torn
// tail is cut off.
func openJournal(dir string, minCompact int64, log *slog.Logger, keep func(stored)) (*journal, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("inproc: data folder: %w", err)
	}
	path := filepath.Join(dir, logName)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("inproc: read %s: %w", path, err)
	}
	live, good, err := replay(data)
	if err != nil {
		return nil, fmt.Errorf("inproc: replay %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("inproc: open %s: %w", path, err)
	}
	if good < len(data) {
		log.Warn("inproc: cutting a torn record off the queue log", "path", path, "bytes", len(data)-good)
	}
	if err := cut(f, int64(good)); err != nil {
		f.Close()
		return nil, fmt.Errorf("inproc: %s: %w", path, err)
	}
	for _, s := range live {
		keep(s)
	}
	j := &journal{path: path, log: log, f: f, size: int64(good), wake: make(chan struct{}, 1),
		stopped: make(chan struct{}), minCompact: minCompact}
	j.compactAt = max(minCompact, 2*j.size)
	return j, nil
}

// cut truncates f to size, syncs it and moves the offset to its end.
func cut(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	_, err := f.Seek(size, 0)
	return err
}

// replay returns the messages the log still holds, in id order, and the
// length of its intact prefix.
func replay(data []byte) ([]stored, int, error) {
	live := map[uint64]stored{}
	off := 0
	for off < len(data) {
		kind, s, n, err := next(data[off:])
		if errors.Is(err, errTorn) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("record at %d: %w", off, err)
		}
		if kind == kindPublish {
			live[s.id] = s
		} else {
			delete(live, s.id)
		}
		off += n
	}
	out := make([]stored, 0, len(live))
	for _, s := range live {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b stored) int { return compareIDs(a.id, b.id) })
	return out, off, nil
}

func compareIDs(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// append queues framed records; apply runs after they are durable. The
// returned channel gets the fsync's result (nil: durable); wait false
// returns nil (acks need no wait: losing one only redelivers).
func (j *journal) append(records []byte, apply func(), wait bool) <-chan error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var done chan error
	if wait {
		done = make(chan error, 1)
	}
	if j.failed != nil || j.closed {
		if done != nil {
			done <- j.stateErr()
		}
		return done
	}
	j.buf = append(j.buf, records...)
	if apply != nil {
		j.applies = append(j.applies, apply)
	}
	if done != nil {
		j.waiters = append(j.waiters, done)
	}
	select {
	case j.wake <- struct{}{}:
	default:
	}
	return done
}

func (j *journal) stateErr() error {
	if j.failed != nil {
		return j.failed
	}
	return errClosed
}

// run is the writer: it commits whatever was appended, one write and one
// fsync per round, until close; the last round flushes what is left.
func (j *journal) run() {
	defer close(j.stopped)
	for range j.wake {
		if last := j.commit(); last {
			return
		}
		j.maybeCompact()
	}
}

// commit writes and syncs the pending records; it reports whether the
// journal is closed and drained.
func (j *journal) commit() bool {
	j.mu.Lock()
	buf, applies, waiters, closed := j.buf, j.applies, j.waiters, j.closed
	j.buf, j.applies, j.waiters = nil, nil, nil
	j.mu.Unlock()
	var err error
	if len(buf) > 0 {
		if _, err = j.f.Write(buf); err == nil {
			err = j.f.Sync()
		}
	}
	if err != nil {
		err = fmt.Errorf("inproc: write %s: %w", j.path, err)
		j.log.Error("inproc: queue log write failed; durable publishing stops", "err", err)
		j.mu.Lock()
		j.failed = err
		j.mu.Unlock()
	} else {
		j.size += int64(len(buf))
		for _, apply := range applies {
			apply()
		}
	}
	for _, w := range waiters {
		w <- err
	}
	return closed
}

// close flushes what was appended, stops the writer and closes the file.
func (j *journal) close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		<-j.stopped
		return nil
	}
	j.closed = true
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
	<-j.stopped
	return j.f.Close()
}
