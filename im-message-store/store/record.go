package store

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/messagedb"
	"github.com/whaleim/whaleim/im-common/mq"
)

// recordVersion is the only StoreRecord version this store understands.
const recordVersion = 1

// Why a record is refused. Each is a metrics label, so the set is closed.
const (
	kindUndecodable = "undecodable" // not a store batch or record, binary or JSON
	kindUnsupported = "unsupported" // unknown version or op
	kindInvalid     = "invalid"     // breaks the schema's rules
	kindConflict    = "conflict"    // its keys belong to another message
	kindData        = "data"        // the database refused its values
)

// refusalError says why one record cannot be stored; the record goes to
// the dead-letter queue with that reason, and the rest of its batch is
// stored.
type refusalError struct {
	kind string
	err  error
}

func (e *refusalError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *refusalError) Unwrap() error { return e.err }

func refuse(kind, format string, args ...any) error {
	return &refusalError{kind: kind, err: fmt.Errorf(format, args...)}
}

// decode parses one delivery body: a mq.StoreBatch, or a single
// mq.StoreRecord as published before batching. Its error, always a
// *refusalError, refuses the whole body: retrying cannot fix it. Each
// record must still pass check.
func decode(body []byte) ([]mq.StoreRecord, error) {
	recs, err := mq.DecodeStoreRecords(body)
	if errors.Is(err, mq.ErrVersion) {
		return nil, &refusalError{kind: kindUnsupported, err: err}
	}
	if err != nil {
		return nil, &refusalError{kind: kindUndecodable, err: err}
	}
	return recs, nil
}

// check tells whether the store can write r. Every error is a
// *refusalError.
func check(r mq.StoreRecord) error {
	if r.Version != recordVersion {
		return refuse(kindUnsupported, "version %d, want %d", r.Version, recordVersion)
	}
	switch r.Op {
	case mq.OpInsert, mq.OpRecall:
	case mq.OpEdit:
		if r.Message.Edited <= 0 {
			return refuse(kindUnsupported, "edit without a version")
		}
	default:
		return refuse(kindUnsupported, "op %q", r.Op)
	}
	return validate(r.Message)
}

// validate checks m against the schema, so that the database never sees a
// value it would refuse: one bad record must not fail its whole batch.
func validate(m mq.Message) error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(m.AppID != 0, "appId missing")
	check(m.Seq > 0, "seq %d not positive", m.Seq)
	check(m.MessageKey != 0, "messageKey missing")
	check(m.Time > 0, "time %d not positive", m.Time)
	check(text(m.MessageID, 1, messagedb.MaxMessageIDLen), "messageId must be 1..%d characters", messagedb.MaxMessageIDLen)
	check(text(m.FromID, 1, messagedb.MaxIDLen), "fromId must be 1..%d characters", messagedb.MaxIDLen)
	check(text(m.ToID, 0, messagedb.MaxIDLen), "toId longer than %d characters", messagedb.MaxIDLen)
	check(text(m.GroupID, 0, messagedb.MaxIDLen), "groupId longer than %d characters", messagedb.MaxIDLen)
	check(utf8.ValidString(m.Body) && len(m.Body) <= messagedb.MaxBodyBytes, "body must be UTF-8 of at most %d bytes", messagedb.MaxBodyBytes)
	check(utf8.ValidString(m.Extra) && len(m.Extra) <= messagedb.MaxExtraBytes, "extra must be UTF-8 of at most %d bytes", messagedb.MaxExtraBytes)
	check(conversationMatches(m), "conversationId %q does not match kind %q, from/to or group", m.ConversationID, m.Kind)
	if err := errors.Join(errs...); err != nil {
		return &refusalError{kind: kindInvalid, err: err}
	}
	return nil
}

// conversationMatches checks that readers will find m where they look: a
// 1:1 message under the pair of its users, a group message under its group.
func conversationMatches(m mq.Message) bool {
	switch m.Kind {
	case mq.P2P:
		return m.ToID != "" && m.GroupID == "" && m.ConversationID == mq.P2PConversation(m.FromID, m.ToID)
	case mq.Group:
		return m.GroupID != "" && m.ConversationID == mq.GroupConversation(m.GroupID)
	}
	return false
}

// text reports whether s is valid UTF-8 of min..max characters.
func text(s string, minLen, maxLen int) bool {
	n := utf8.RuneCountInString(s)
	return utf8.ValidString(s) && n >= minLen && n <= maxLen
}
