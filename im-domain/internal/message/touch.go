package message

import (
	"context"
	"sync"
)

// maxTouched bounds the touched set (about 100 bytes a conversation).
const maxTouched = 200_000

// touchedSet remembers the 1:1 conversations whose participants this node
// recorded (Store.Touch) or found recorded (Store.Touched): the rows are
// never deleted, so a busy pair costs one INSERT per node, not one per
// message, and a receive-ACK in it no MySQL read. When full it is cleared.
type touchedSet struct {
	mu sync.Mutex
	m  map[touchedKey]struct{}
}

type touchedKey struct {
	app  uint32
	conv string
}

func (t *touchedSet) has(app uint32, conv string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.m[touchedKey{app, conv}]
	return ok
}

func (t *touchedSet) add(app uint32, conv string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil || len(t.m) >= maxTouched {
		t.m = map[touchedKey]struct{}{}
	}
	t.m[touchedKey{app, conv}] = struct{}{}
}

// touchAll records the participants of the batch's 1:1 conversations this
// node has not recorded yet, before their first seq is assigned.
func (s *Service) touchAll(ctx context.Context, jobs []*job) error {
	for _, j := range jobs {
		conv := j.in.conversation()
		if j.in.Group || s.touched.has(j.in.AppID, conv) {
			continue
		}
		if err := s.d.Store.Touch(ctx, j.in.AppID, conv, j.in.FromID, j.in.Msg.ToID); err != nil {
			return err
		}
		s.touched.add(j.in.AppID, conv)
	}
	return nil
}
