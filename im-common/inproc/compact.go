package inproc

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// DefaultCompactSize is the log size at which the writer first tries a
// compaction; afterwards it tries again each time the log doubled.
const DefaultCompactSize = 32 << 20

// maybeCompact rewrites the log with only the live messages once it has
// grown past compactAt and at least half of it is acked history. It runs
// in the writer goroutine between commits, so no record is in flight: the
// applies of every written publish have run, and records appended since
// wait in buf for the new file.
func (j *journal) maybeCompact() {
	if j.size < j.compactAt || j.snapshot == nil {
		return
	}
	live, err := j.snapshot()
	if err == nil && int64(len(live))*2 <= j.size {
		err = j.rewrite(live)
	}
	if err != nil {
		// The old log is intact and still appended to: compaction only saves space.
		j.log.Warn("inproc: queue log compaction failed", "err", err)
	}
	j.compactAt = max(j.minCompact, 2*j.size)
}

// rewrite replaces the log by live atomically: a new file, synced, renamed
// over the old one, and the folder synced so the rename itself survives.
func (j *journal) rewrite(live []byte) error {
	tmp := j.path + ".compact"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.Write(live); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, j.path); err != nil {
		f.Close()
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		j.log.Warn("inproc: sync data folder after compaction", "err", err)
	}
	old := j.f
	j.f, j.size = f, int64(len(live))
	old.Close()
	j.log.Info("inproc: queue log compacted", "bytes", j.size)
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// snapshot encodes the publish record of every durable message still in a
// queue, waiting or in flight, in id order: the content of a compacted log.
func (b *Broker) snapshot() ([]byte, error) {
	b.mu.Lock()
	var live []*message
	for _, q := range b.queues {
		for _, m := range q.ready {
			if m.durable {
				live = append(live, m)
			}
		}
		for _, m := range q.inflight {
			if m.durable {
				live = append(live, m)
			}
		}
	}
	b.mu.Unlock()
	slices.SortFunc(live, func(a, b *message) int { return compareIDs(a.id, b.id) })
	var out []byte
	for _, m := range live {
		var err error
		if out, err = appendPublish(out, &m.stored); err != nil {
			return nil, err
		}
	}
	return out, nil
}
