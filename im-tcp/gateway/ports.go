package gateway

import (
	"context"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/session"
)

// Sessions stores device sessions (the Redis session hash).
type Sessions interface {
	// Claim writes s as the session of id, sets the hash TTL to ttl and
	// returns the user's sessions as they were just before the write
	// (including the previous value of id's own field), atomically, so two
	// concurrent logins see each other in a definite order.
	Claim(ctx context.Context, id device.ID, s session.Session, ttl time.Duration) (map[string]session.Session, error)
	// Touch refreshes the session of id (its Seen time) and the hash TTL.
	// It reports false when the field now belongs to another connection
	// (another broker or login time); a missing field is re-created.
	Touch(ctx context.Context, id device.ID, s session.Session, ttl time.Duration) (bool, error)
	// Remove deletes the session of id only while it still has the broker
	// and login time of s, and reports whether it did.
	Remove(ctx context.Context, id device.ID, s session.Session) (bool, error)
	// Purge deletes every session broker still owns and returns how many:
	// a gateway restarted after a crash clears what its predecessor left.
	Purge(ctx context.Context, broker string) (int, error)
	// Indexed reports whether broker's session index exists. It exists
	// while any session of the broker is stored, so a gateway with
	// logged-in connections whose index is missing lost its sessions
	// (Redis restarted empty, or was flushed).
	Indexed(ctx context.Context, broker string) (bool, error)
}

// App is what the gateway needs to know about a tenant.
type App struct {
	Secret []byte
	Policy device.Policy
	// Previous is the secret a rotation replaced: signs made with it are
	// accepted until PreviousUntil, so a rotation logs nobody out.
	Previous      []byte
	PreviousUntil time.Time
}

// Secrets returns the secrets a login sign may be made with at now.
func (a App) Secrets(now time.Time) [][]byte {
	out := [][]byte{a.Secret}
	if len(a.Previous) > 0 && now.Before(a.PreviousUntil) {
		out = append(out, a.Previous)
	}
	return out
}

// Apps reads app settings. It returns an error matching errcode.AppNotFound
// for an unknown app.
type Apps interface {
	App(ctx context.Context, appID uint32) (App, error)
}

// Users tells whether a user may log in: the domain owns user state and
// the gateway has no database.
type Users interface {
	// CanLogin returns nil to allow the login, or an error carrying the
	// errcode to refuse it with (UserNotFound, UserForbidden, or
	// Unavailable when no answer came: never an allow by default).
	CanLogin(ctx context.Context, appID uint32, userID string) error
}

// Publisher publishes one message and returns once the broker confirmed it
// (the message is queued; it need not survive a broker restart, see
// queuePublisher). It must fail (not drop) when the message is unroutable.
type Publisher interface {
	Publish(ctx context.Context, exchange, key string, body []byte) error
}

// Subscriber delivers the messages of one queue to handle until ctx ends,
// in batches of what is waiting (queue order), without waiting for a batch
// to fill. A nil result from handle acknowledges the whole batch.
type Subscriber interface {
	Consume(ctx context.Context, queue string, handle func(ctx context.Context, bodies [][]byte) error) error
}

// Registry announces the gateway to the routers (ZooKeeper in production).
type Registry interface {
	// Register claims path with data; it fails when another live process
	// holds path (the brokerId is taken).
	Register(ctx context.Context, path string, data []byte) (Registration, error)
}

// Registration is a claimed registry node.
type Registration interface {
	// Run keeps the node registered (re-creating it after session expiry)
	// until ctx ends.
	Run(ctx context.Context) error
	// Ready reports whether the node currently exists.
	Ready() bool
	// Deregister removes the node.
	Deregister(ctx context.Context) error
}

// Check is a named readiness probe of a dependency.
type Check struct {
	Name  string
	Probe func(ctx context.Context) error
}
