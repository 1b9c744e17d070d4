package whaleim_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/conformance/scriptgw"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// The conversation list follows messages, read marks (own and synced from
// another device), read receipts and recalls.
func TestConversationListFollowsEvents(t *testing.T) {
	var sc scriptgw.Scenario
	if err := json.Unmarshal([]byte(`{"name":"list","user":"alice",
	  "conversations":{"p2p:alice:bob":[{"seq":1,"id":"b1","from":"bob","body":"one","hidden":true},
	    {"seq":2,"id":"b2","from":"bob","body":"two","hidden":true},{"seq":3,"id":"b3","from":"bob","body":"three","hidden":true}],
	    "group:g1":[{"seq":1,"id":"c1","from":"carol","body":"g","hidden":true}]},
	  "connections":[[{"op":"expect_login"},{"op":"login_ack"},{"op":"expect_sync"},
	    {"op":"push","conversation":"p2p:alice:bob","seq":1},{"op":"push","conversation":"p2p:alice:bob","seq":2},
	    {"op":"push","conversation":"p2p:alice:bob","seq":3},{"op":"push","conversation":"group:g1","seq":1},
	    {"op":"client","action":{}},
	    {"op":"expect_read","seq":2},
	    {"op":"frame","command":1053,"data":{"fromId":"alice","toId":"bob","messageSequence":3}},
	    {"op":"frame","command":1054,"data":{"fromId":"bob","toId":"alice","messageSequence":9}},
	    {"op":"frame","command":1052,"data":{"fromId":"bob","toId":"alice","messageKey":3,"messageId":"r"}}]]}`), &sc); err != nil {
		t.Fatal(err)
	}
	g, err := scriptgw.Start(&sc)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	c, err := whaleim.New(whaleim.Config{RESTURLs: []string{g.RESTURL()}, AppID: scriptgw.AppID, UserID: "alice", Sign: sign,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range c.Events() {
		}
	}()
	c.Start()
	defer c.Close()
	conv := func(id string) whaleim.Conversation {
		for _, cv := range c.Conversations() {
			if cv.ID == id {
				return cv
			}
		}
		return whaleim.Conversation{}
	}
	want := func(what string, ok func(bob, grp whaleim.Conversation) bool) {
		t.Helper()
		testwait.Eventually(t, 5*time.Second, func() error {
			if bob, grp := conv("p2p:alice:bob"), conv("group:g1"); !ok(bob, grp) {
				return fmt.Errorf("%s: bob %+v group %+v", what, bob, grp)
			}
			return nil
		})
	}
	want("three unread from bob, one in the group", func(bob, grp whaleim.Conversation) bool {
		return bob.Unread == 3 && bob.Last.Seq == 3 && bob.Last.Body == "three" && bob.Peer == "bob" &&
			grp.Unread == 1 && grp.Group == "g1"
	})
	<-g.Actions()
	if err := c.Read("p2p:alice:bob", 2); err != nil {
		t.Fatal(err)
	}
	// Read applies at once; the gateway may already have sent the next read mark
	if bob := conv("p2p:alice:bob"); bob.ReadSeq < 2 || bob.Unread > 1 {
		t.Errorf("right after Read(2): %+v", bob)
	}
	want("read up to 3 on another device, bob read 9, #3 recalled", func(bob, _ whaleim.Conversation) bool {
		return bob.Unread == 0 && bob.ReadSeq == 3 && bob.PeerReadSeq == 9 && bob.Last.Recalled && bob.Last.Body == ""
	})
	<-g.Done()
	if v := g.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}
