package whaleim_test

import (
	"context"
	"fmt"

	"github.com/whaleim/whaleim/im-sdk/go/conformance/scriptgw"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// A client logs in, gets the messages pushed to it (exactly once, in
// order) and stops. Here the platform is the conformance suite's scripted
// gateway; against a real one, RESTURLs is im-domain's address and Sign
// returns a userSign from the app's backend.
func Example() {
	sc, err := scriptgw.Load("../../conformance/scenarios/01_in_order.json")
	if err != nil {
		panic(err)
	}
	gw, err := scriptgw.Start(sc)
	if err != nil {
		panic(err)
	}
	defer gw.Close()

	c, err := whaleim.New(whaleim.Config{
		RESTURLs: []string{gw.RESTURL()},
		AppID:    10000,
		UserID:   "alice",
		Sign:     func(ctx context.Context, userID string) (string, error) { return "a-user-sign", nil },
	})
	if err != nil {
		panic(err)
	}
	c.Start()
	for ev := range c.Events() {
		switch e := ev.(type) {
		case whaleim.StateChanged:
			fmt.Println("state:", e.State)
		case whaleim.MessageReceived:
			fmt.Printf("%s #%d %s: %s\n", e.Message.Conversation, e.Message.Seq, e.Message.From, e.Message.Body)
			if e.Message.Seq == 2 {
				go c.Close() // Events is closed after the closed state
			}
		}
	}
	// Output:
	// state: connecting
	// state: connected
	// p2p:alice:bob #1 bob: one
	// p2p:alice:bob #2 bob: two
	// state: closed
}
