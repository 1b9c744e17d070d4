//go:build integration

package zookeeper

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRegister_TakeOver: a node held by another live session is replaced
// only when the caller's predicate declares its holder dead, and the
// predicate sees the node's data.
func TestRegister_TakeOver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dead bool
	}{{"holder dead: taken over", true}, {"holder alive: refused", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := testLogger(t)
			base := basePath(t, log)
			holder := connect(t, log, zkAddr(), 5*time.Second) // still connected, as a kill -9'd process's session is
			c := connect(t, log, zkAddr(), 5*time.Second)
			path := base + "/gateways/gw1"
			if _, err := holder.Register(t.Context(), path, []byte(`{"tcp":"old"}`)); err != nil {
				t.Fatal(err)
			}
			var saw string
			dead := func(_ context.Context, data []byte) bool { saw = string(data); return tt.dead }
			reg, err := c.Register(t.Context(), path, []byte(`{"tcp":"new"}`), TakeOver(dead))
			if saw != `{"tcp":"old"}` {
				t.Errorf("predicate saw %q, want the held node's data", saw)
			}
			if !tt.dead {
				if !errors.Is(err, ErrNodeExists) {
					t.Fatalf("Register = %v, want ErrNodeExists", err)
				}
				return
			}
			if err != nil || !reg.Ready() {
				t.Fatalf("Register = %v (ready %v)", err, reg != nil && reg.Ready())
			}
			data, st, _ := c.conn.Get(path)
			if string(data) != `{"tcp":"new"}` || st.EphemeralOwner != c.SessionID() {
				t.Fatalf("node = %s owner %s; want ours", data, hexID(st.EphemeralOwner))
			}
		})
	}
}
