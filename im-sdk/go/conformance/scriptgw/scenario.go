// Package scriptgw is the scripted gateway of the SDK conformance suite: it
// serves one scenario (im-sdk/conformance/scenarios/*.json) over a real
// WebSocket and TCP socket plus the REST routes an SDK calls (login,
// max sequences, pull), tells the test runner which client actions to
// perform, and reports every time the client did something the scenario
// does not allow. The format is documented in im-sdk/conformance/README.md.
package scriptgw

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Scenario is one scripted run: the server-side conversations, what the
// REST login answers, one script per accepted connection and the event log
// the SDK must produce.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// User is who the SDK logs in as (appId 10000, any sign).
	User string `json:"user"`
	// Client tunes the SDK's timers so a scenario runs in milliseconds.
	Client ClientConfig `json:"client"`
	// Login lists the answers of POST /v1/user/login in turn; the last one
	// repeats. Empty means one answer pointing at this gateway.
	Login []LoginAnswer `json:"login"`
	// Conversations holds the server's stored messages by conversation id
	// ("p2p:a:b" with a < b, or "group:g").
	Conversations map[string][]Message `json:"conversations"`
	// Connections is the script of the n-th accepted connection.
	Connections [][]Step `json:"connections"`
	// Record lists the event types compared; empty means DefaultRecord.
	Record []string `json:"record"`
	// Events is the expected event log.
	Events []Event `json:"events"`
}

// ClientConfig is the SDK configuration a scenario needs; zero fields keep
// the SDK's defaults.
type ClientConfig struct {
	AckTimeoutMS   int `json:"ackTimeoutMs"`
	BackoffMinMS   int `json:"backoffMinMs"`
	BackoffMaxMS   int `json:"backoffMaxMs"`
	HeartbeatMS    int `json:"heartbeatMs"`
	PullLimit      int `json:"pullLimit"`
	HoleRetries    int `json:"holeRetries"`
	SendRetryMinMS int `json:"sendRetryMinMs"`
}

// LoginAnswer is one answer of the REST login route. Gateway "dead" hands
// out an address nothing listens on; anything else is this gateway.
type LoginAnswer struct {
	Code    int    `json:"code"`
	Gateway string `json:"gateway"`
}

// Message is one stored message. Hidden ones are invisible to pulls and
// max-sequence queries until a push or reveal step shows them.
type Message struct {
	Seq      int64  `json:"seq"`
	ID       string `json:"id"`
	From     string `json:"from"`
	Body     string `json:"body"`
	Recalled bool   `json:"recalled,omitempty"`
	Hidden   bool   `json:"hidden,omitempty"`
}

// Step is one scripted gateway action; Op selects which fields matter.
type Step struct {
	Op           string          `json:"op"`
	Code         int             `json:"code,omitempty"`
	Bind         string          `json:"bind,omitempty"`
	Ref          string          `json:"ref,omitempty"`
	Body         string          `json:"body,omitempty"`
	Conversation string          `json:"conversation,omitempty"`
	Seq          int64           `json:"seq,omitempty"`
	After        *int64          `json:"after,omitempty"`
	Limit        *int            `json:"limit,omitempty"`
	Command      int             `json:"command,omitempty"`
	Data         json.RawMessage `json:"data,omitempty"`
	Hex          string          `json:"hex,omitempty"`
	Action       json.RawMessage `json:"action,omitempty"`
}

// Event is one entry of an SDK event log: a type plus its fields, compared
// as JSON values.
type Event map[string]any

// DefaultRecord is the event types a scenario compares unless it says
// otherwise.
var DefaultRecord = []string{"state", "message", "message_state", "error", "recalled", "read",
	"read_receipt", "delivered", "notification"}

// Load reads and checks one scenario file.
func Load(path string) (*Scenario, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	var sc Scenario
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	if err := sc.check(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return &sc, nil
}

// LoadDir reads every *.json scenario of dir, sorted by file name.
func LoadDir(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	sort.Strings(files)
	out := make([]*Scenario, 0, len(files))
	for _, f := range files {
		sc, err := Load(f)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// RecordSet returns the event types compared.
func (sc *Scenario) RecordSet() []string {
	if len(sc.Record) == 0 {
		return DefaultRecord
	}
	return sc.Record
}

func (sc *Scenario) check() error {
	if sc.Name == "" || sc.User == "" {
		return fmt.Errorf("name and user are required")
	}
	if len(sc.Connections) == 0 {
		return fmt.Errorf("at least one connection script")
	}
	for i, conn := range sc.Connections {
		for j, st := range conn {
			if !slices.Contains(ops, st.Op) {
				return fmt.Errorf("connection %d step %d: unknown op %q", i, j, st.Op)
			}
		}
	}
	for _, e := range sc.Events {
		if _, ok := e["type"].(string); !ok {
			return fmt.Errorf("event %v has no type", e)
		}
	}
	return nil
}

// message returns the stored message seq of conversation.
func (sc *Scenario) message(conv string, seq int64) (*Message, bool) {
	msgs := sc.Conversations[conv]
	for i := range msgs {
		if msgs[i].Seq == seq {
			return &msgs[i], true
		}
	}
	return nil, false
}
