package fault

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is one scenario's ledger outcome (reliability-security.md A5.4).
type Report struct {
	Scenario                     string
	Attempted, Acked, Nacked     int // the senders' view at the end
	Persisted                    int // rows of the run in MySQL
	Expected, Delivered          int // (device, message) pairs due / received by the app
	Lost                         int // up-ACKed or stored, but missing in MySQL or at a device after the final sync
	Unexpected                   int // stored or received but never attempted, or refused yet stored or received
	DupApp                       int // (device, message) received by the app more than once
	WirePushes, DupWire          int // pushes written to TCP devices, and those of a message the device had already had (info: the SDK dedups them)
	DupDB                        int // messageIds with more than one row
	SeqReuse                     int // (conversation, seq) with two messages, or an up-ACK or receive seq that differs from MySQL
	OrderViolations              int // per (device, conversation): a receive whose seq is not above the previous one
	Unresolved                   int // sends still unanswered at the end (every send must end ACKed or refused)
	Reconnects                   int
	AckP50, AckP99               time.Duration
	Recovery                     time.Duration // from the end of the fault until every message was delivered everywhere
	MaxDelay                     time.Duration // the longest send -> delivered-everywhere of one message
	FinalSyncOnly                int           // (device, message) pairs that only the forced final sync delivered: the platform did not recover by itself
	FaultStart, FaultEnd, SyncAt time.Time
	Failures                     []string // the first few violations, to find them in the logs
	VerifyErr                    string   // the scenario's own check failed (Scenario.Verify)
}

// RecoveryLimit bounds Recovery (T_recover of A2).
const RecoveryLimit = 30 * time.Second

// Passed is the pass rule: every count 0 and recovery within its bound.
func (r *Report) Passed() bool {
	return r.Lost == 0 && r.Unexpected == 0 && r.DupApp == 0 && r.DupDB == 0 && r.SeqReuse == 0 &&
		r.OrderViolations == 0 && r.Unresolved == 0 && r.FinalSyncOnly == 0 && r.VerifyErr == "" && r.Recovery <= RecoveryLimit && r.Attempted > 0
}

func (r *Report) fail(format string, args ...any) {
	if len(r.Failures) < 10 {
		r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
	}
}

// dbRow is one stored message of the run.
type dbRow struct {
	id, from, conv string
	seq            int64
}

// readRows reads every stored message of the app.
func (e *Env) readRows(ctx context.Context) ([]dbRow, error) {
	h, err := sql.Open("mysql", mysqlDSN(e.mysql.addr, e.run.db))
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	defer h.Close()
	rs, err := h.QueryContext(ctx, "SELECT message_id, from_id, conversation_id, seq FROM im_message WHERE app_id=?", e.run.appID)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	defer rs.Close()
	var out []dbRow
	for rs.Next() {
		var r dbRow
		if err := rs.Scan(&r.id, &r.from, &r.conv, &r.seq); err != nil {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// check compares the ledger with MySQL.
func (f *fleet) check(r *Report, rows []dbRow) {
	l := f.led
	l.mu.Lock()
	defer l.mu.Unlock()
	r.Persisted, r.Reconnects, r.OrderViolations = len(rows), l.reconn, l.orderViol
	stored := checkRows(r, rows)
	for _, m := range l.order {
		f.checkMessage(r, m, stored[m.id])
	}
	for id := range stored {
		if l.msgs[id] == nil {
			r.Unexpected++
			r.fail("message %s stored, never attempted", id)
		}
	}
	for d, got := range l.got {
		for id, rs := range got {
			if l.msgs[id] == nil {
				r.Unexpected++
				r.fail("device %d received %s, never attempted", d, id)
			}
			if len(rs) > 1 {
				r.DupApp++
				r.fail("device %d received %s %d times", d, id, len(rs))
			}
		}
	}
	for _, w := range l.wire {
		for _, n := range w {
			r.WirePushes += n
			r.DupWire += n - 1
		}
	}
	r.AckP50, r.AckP99 = percentile(l.ackLat, 50), percentile(l.ackLat, 99)
}

// checkRows counts duplicates and seq reuse in MySQL and indexes the rows.
func checkRows(r *Report, rows []dbRow) map[string][]dbRow {
	stored := map[string][]dbRow{}
	bySeq := map[string]string{}
	for _, row := range rows {
		stored[row.id] = append(stored[row.id], row)
		k := fmt.Sprint(row.conv, "#", row.seq)
		if other, ok := bySeq[k]; ok && other != row.id {
			r.SeqReuse++
			r.fail("%s holds %s and %s", k, other, row.id)
		}
		bySeq[k] = row.id
	}
	for id, rs := range stored {
		if len(rs) > 1 {
			r.DupDB++
			r.fail("message %s stored %d times", id, len(rs))
		}
	}
	return stored
}

// checkMessage checks one attempted message against MySQL and devices.
func (f *fleet) checkMessage(r *Report, m *msgRec, rows []dbRow) {
	l := f.led
	r.Attempted++
	switch m.state {
	case acked:
		r.Acked++
	case nacked:
		r.Nacked++
	default:
		r.Unresolved++
		r.fail("message %s never answered", m.id)
	}
	due := m.state == acked || len(rows) > 0
	if m.state == nacked && len(rows) > 0 {
		r.Unexpected++
		r.fail("message %s refused but stored", m.id)
	}
	if due && len(rows) == 0 {
		r.Lost++
		r.fail("message %s up-ACKed (seq %d) but not stored", m.id, m.seq)
	}
	if len(rows) > 0 && (rows[0].conv != m.conv || (m.state == acked && rows[0].seq != m.seq)) {
		r.SeqReuse++
		r.fail("message %s ACKed %s#%d, stored %s#%d", m.id, m.conv, m.seq, rows[0].conv, rows[0].seq)
	}
	var done time.Time
	for _, d := range f.expected(m) {
		rs := l.got[d][m.id]
		if !due {
			if len(rs) > 0 {
				r.Unexpected++
				r.fail("message %s refused but received by device %d", m.id, d)
			}
			continue
		}
		r.Expected++
		if len(rs) == 0 {
			r.Lost++
			r.fail("message %s (%s#%d) never reached device %d (%s)", m.id, m.conv, m.seq, d, f.devs[d].user)
			continue
		}
		r.Delivered++
		if len(rows) > 0 && rs[0].seq != rows[0].seq {
			r.SeqReuse++
			r.fail("device %d received %s at seq %d, stored at %d", d, m.id, rs[0].seq, rows[0].seq)
		}
		if !r.SyncAt.IsZero() && rs[0].at.After(r.SyncAt) {
			r.FinalSyncOnly++
			r.fail("message %s (%s#%d) reached device %d (%s) only by the forced final sync", m.id, m.conv, m.seq, d, f.devs[d].user)
		}
		if rs[0].at.After(done) {
			done = rs[0].at
		}
	}
	if done.IsZero() {
		return
	}
	r.Recovery = max(r.Recovery, done.Sub(later(m.sentAt, r.FaultEnd)))
	r.MaxDelay = max(r.MaxDelay, done.Sub(m.sentAt))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// Row is the report's line of the results table.
func (r *Report) Row() string {
	verdict := "PASS"
	if !r.Passed() {
		verdict = "FAIL"
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s |", r.Scenario, r.Attempted, r.Delivered,
		r.Lost, r.DupApp+r.DupDB, r.OrderViolations, r.SeqReuse, r.Unexpected+r.Unresolved, r.FinalSyncOnly, r.DupWire, r.Reconnects,
		r.Recovery.Round(100*time.Millisecond), r.MaxDelay.Round(100*time.Millisecond), verdict)
}

// TableHeader heads the results table of Row lines.
const TableHeader = "| scenario | messages | deliveries | lost | duplicates | reorders | seq reuse | unexpected | sync-only | wire dups | reconnects | recovery | max delay | result |\n" +
	"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"

// Summary is the report in one paragraph, with its first failures.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: attempted %d, up-ACKed %d, refused %d, stored %d, deliveries %d/%d, lost %d, app dups %d, DB dups %d, "+
		"seq reuse %d, order violations %d, unexpected %d, unresolved %d, reconnects %d, wire pushes %d (dups %d), ack p50 %v p99 %v, recovery %v, max delay %v, final-sync-only %d",
		r.Scenario, r.Attempted, r.Acked, r.Nacked, r.Persisted, r.Delivered, r.Expected, r.Lost, r.DupApp, r.DupDB,
		r.SeqReuse, r.OrderViolations, r.Unexpected, r.Unresolved, r.Reconnects, r.WirePushes, r.DupWire, r.AckP50.Round(time.Millisecond),
		r.AckP99.Round(time.Millisecond), r.Recovery.Round(time.Millisecond), r.MaxDelay.Round(time.Millisecond), r.FinalSyncOnly)
	if r.VerifyErr != "" {
		b.WriteString("\n  - scenario check: " + r.VerifyErr)
	}
	for _, f := range r.Failures {
		b.WriteString("\n  - " + f)
	}
	return b.String()
}
