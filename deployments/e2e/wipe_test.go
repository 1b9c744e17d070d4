//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
)

// TestRedisWipeMidStream: FLUSHALL of the (private) Redis while a client
// streams messages. The stream keeps its already open connection: the
// up-ACK is routed back by the uplink's gateway id, so the flush needs no
// re-login for it; a fresh login afterwards must work again too. No seq may
// be reused or go backwards, neither in the up-ACKs nor in MySQL.
func TestRedisWipeMidStream(t *testing.T) {
	u := newUsers(t, "wipe", 2)
	a := connect(t, u[0], 1, true, device.Web)
	const n = 200
	st := startStream(a, u[1], n)
	st.awaitAcked(t, 80)
	if _, err := redisCmd(cl.redisAddr, "FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	t.Logf("FLUSHALL at %d acked", st.acked())
	acks, err := st.wait()
	if err != nil {
		t.Fatalf("stream after the flush: %v", err)
	}
	for i := 1; i < len(acks); i++ {
		if acks[i].Seq <= acks[i-1].Seq {
			t.Fatalf("up-ACK %d: seq %d after %d (reused or backwards)", i, acks[i].Seq, acks[i-1].Seq)
		}
	}
	conv := p2pConv(u[0], u[1])
	testwait.Eventually(t, 30*time.Second, func() error {
		rows := count(t, "SELECT COUNT(*) FROM im_message WHERE app_id=%d AND conversation_id='%s'", cl.appID, conv)
		seqs := count(t, "SELECT COUNT(DISTINCT seq) FROM im_message WHERE app_id=%d AND conversation_id='%s'", cl.appID, conv)
		if rows != n || seqs != n {
			return fmt.Errorf("%d rows, %d distinct seqs, want %d", rows, seqs, n)
		}
		return nil
	})
	// In MySQL, seq order must be send order (message_key follows the send).
	inv := count(t, `SELECT COUNT(*) FROM im_message a JOIN im_message b ON a.app_id=b.app_id AND a.conversation_id=b.conversation_id
		WHERE a.app_id=%d AND a.conversation_id='%s' AND a.seq < b.seq AND a.message_key > b.message_key`, cl.appID, conv)
	if inv != 0 {
		t.Fatalf("%d pairs of rows whose seq order differs from their key order", inv)
	}
	t.Logf("%d up-ACKs strictly increasing (seq %d..%d) across the flush; MySQL agrees", n, acks[0].Seq, acks[n-1].Seq)
	testwait.Eventually(t, 30*time.Second, func() error { return tryLogin(u[1], 0) })
	t.Log("a fresh login works after the flush")
}

// tryLogin connects to gateway gw (0 or 1) and logs user in once,
// reporting failure as an error (an *errcode.Error for a refusal).
func tryLogin(user string, gw int) error {
	s, err := signErr(user)
	if err != nil {
		return err
	}
	return trySign(cl.gateways[gw], user, s)
}
