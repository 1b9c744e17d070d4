package domain

import (
	"context"
	"fmt"
	"time"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-domain/internal/app"
	"github.com/whaleim/whaleim/im-domain/internal/conversation"
	"github.com/whaleim/whaleim/im-domain/internal/friend"
	"github.com/whaleim/whaleim/im-domain/internal/group"
	"github.com/whaleim/whaleim/im-domain/internal/mariadb"
	"github.com/whaleim/whaleim/im-domain/internal/message"
	"github.com/whaleim/whaleim/im-domain/internal/mqapi"
	"github.com/whaleim/whaleim/im-domain/internal/notify"
	"github.com/whaleim/whaleim/im-domain/internal/push"
	"github.com/whaleim/whaleim/im-domain/internal/redisdb"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

// features are the node's feature services, built once and shared by the
// REST API and the message core: the friend and group services cache
// relations and memberships that only their own changes invalidate.
type features struct {
	apps     *app.Service
	users    *user.Service
	friends  *friend.Service
	groups   *group.Service
	convs    *conversation.Service
	hooks    message.Callbacks
	notifier *notify.Notifier
	push     *push.Service
}

// messaging builds the message core, declares the uplink, store and push
// topology on the queue and runs one consumer per owned uplink shard,
// feeding the node-wide uplink cycles, under Run.
func (n *Node) messaging(ctx context.Context, db *mariadb.DB, rdb *redisdb.Client, pub message.Publisher, f features, obs message.Observer) (*message.Service, error) {
	storePub := storePublisher{n.queue}
	svc := message.NewService(message.Deps{
		Apps: f.apps, Users: f.users, Friends: friendsPort{f.friends}, Groups: groupsPort{f.groups},
		Dedup: rdb.NewDedup(0), Seqs: rdb.NewSequencer(db, 0), Keys: message.NewKeys(db, 0),
		Store: cursorStore{DB: db, convs: f.convs, known: newParticipants()}, StorePub: storePub, Pushes: pub, Presence: rdb,
		Conversations: conversationsPort{f.convs},
		Callbacks:     f.hooks,
		Offline:       f.push,
		Recent:        rdb.NewRecent(0),
		Observer:      obs,
		Log:           n.log,
	})
	qt := n.queueType()
	shards := max(n.cfg.Rabbit.UplinkShards, 1)
	if err := n.queue.Declare(ctx, mq.UplinkTopology(shards, qt).Merge(mq.StoreTopology(qt)).Merge(mq.DownlinkExchange())); err != nil {
		return nil, fmt.Errorf("domain: declare message topology: %w", err)
	}
	h := mqapi.New(func() mqapi.Batch { return svc.NewBatch() }, deadLetter(n.queue), n.log)
	n.uplinks = h
	assignment, err := n.shardAssignment(ctx, shards)
	if err != nil {
		return nil, err
	}
	n.runners = append(n.runners, func(ctx context.Context) error {
		return h.Run(ctx, n.queue, mqapi.Options{Shards: shards, Cycles: n.cfg.UplinkCycles,
			Consume: mq.BatchOptions{MaxWait: n.cfg.UplinkWait}, Assignment: assignment})
	})
	return svc, nil
}

// storePublisher publishes store records: persistent and confirmed, so a
// nil error means the record is durable in its queue.
type storePublisher struct{ q mq.Publisher }

func (r storePublisher) Publish(ctx context.Context, exchange, key string, body []byte) error {
	return r.q.Publish(ctx, exchange, key, mq.Publishing{Body: body, ContentType: "application/json", Persistent: true})
}

// deadLetter sets an undecodable uplink aside on the dead-letter exchange,
// persistent and confirmed, with the reason in a header.
func deadLetter(p mq.Publisher) mqapi.DeadLetter {
	return func(ctx context.Context, body []byte, reason string) error {
		return p.Publish(ctx, mq.ExchangeDead, "", mq.Publishing{Body: body, Persistent: true,
			Headers: map[string]any{"x-whaleim-reason": reason}})
	}
}

// conversationsPort adapts conversation.Service to message.Conversations.
type conversationsPort struct{ s *conversation.Service }

func (c conversationsPort) OnMessage(ctx context.Context, m mq.Message, owners []string) error {
	peer := m.ToID
	if m.Kind == mq.Group {
		peer = m.GroupID
	}
	last := conversation.LastMessage{MessageKey: m.MessageKey, FromID: m.FromID, Preview: m.Body, Time: m.Time}
	return c.s.OnMessage(ctx, m.AppID, m.ConversationID, m.Kind, owners, peer, m.Seq, last)
}

func (c conversationsPort) MarkRead(ctx context.Context, appID uint32, owner, conversationID string, seq int64) error {
	return c.s.MarkRead(ctx, appID, owner, conversationID, seq)
}

func (c conversationsPort) ReadSeqs(ctx context.Context, appID uint32, owner string) (map[string]int64, error) {
	return c.s.ReadSeqs(ctx, appID, owner)
}

func (c conversationsPort) ReadCount(ctx context.Context, appID uint32, conversationID string, seq int64, owners []string) (int, error) {
	return c.s.ReadCount(ctx, appID, conversationID, seq, owners)
}

// friendsPort adapts friend.Service to message.FriendChecker.
type friendsPort struct{ s *friend.Service }

func (f friendsPort) Relation(ctx context.Context, appID uint32, from, to string) (message.Relation, error) {
	friends, blocked, err := f.s.Relation(ctx, appID, from, to)
	if err != nil {
		return message.Relation{}, err
	}
	// friend.Relation reports only "to blocked from"; the message rule is
	// either direction. Both directions share one cache entry.
	_, reverse, err := f.s.Relation(ctx, appID, to, from)
	return message.Relation{Friends: friends, Blocked: blocked || reverse}, err
}

// groupsPort adapts group.Service (its per-node membership cache) to
// message.GroupChecker.
type groupsPort struct{ s *group.Service }

func (g groupsPort) Group(ctx context.Context, appID uint32, groupID, userID string) (message.Group, error) {
	v, err := g.s.View(ctx, appID, groupID, userID)
	if err != nil {
		return message.Group{}, err
	}
	out := message.Group{Found: v.Found, Destroyed: v.Destroyed, Muted: v.Muted, Members: v.Members}
	if m := v.Member; m != nil {
		out.Member = &message.Member{Role: message.RoleMember}
		switch m.Role {
		case group.RoleOwner:
			out.Member.Role = message.RoleOwner
		case group.RoleManager:
			out.Member.Role = message.RoleManager
		}
		if m.SpeakDate > 0 {
			out.Member.MutedUntil = time.UnixMilli(m.SpeakDate)
		}
	}
	return out, nil
}

func (g groupsPort) Joined(ctx context.Context, appID uint32, userID string) ([]string, error) {
	return g.s.JoinedIDs(ctx, appID, userID)
}
