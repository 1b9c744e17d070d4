package whaleim

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-sdk/go/wire"
)

// FuzzDispatch: whatever a server sends, dispatch returns (an error or
// not) without panicking, and the outbox keeps its entry.
func FuzzDispatch(f *testing.F) {
	for _, seed := range dispatchSeeds {
		f.Add(seed.cmd, []byte(seed.body))
	}
	f.Fuzz(fuzzDispatch)
}

// dispatchSeeds are downlink packets a broken or hostile server might send.
var dispatchSeeds = []struct {
	cmd  uint32
	body string
}{
	{1103, `{"data":{"messageId":"x","fromId":"b","toId":"a","messageSequence":1000000000000000000}}`},
	{1103, `{"data":{"messageSequence":-5}}`},
	{2104, `{"data":{"groupId":"g","messageSequence":2}}`},
	{1046, `{"messageId":"m","data":{"code":1009}}`},
	{1046, `{"data":"not an object"}`},
	{1054, `{"data":{"fromId":"b","messageSequence":3}}`},
	{1052, `{"data":null}`},
	{2002, `{"data":{"groupId":"g"}}`},
	{7777, `{}`},
	{9002, `{}`},
	{1103, `not json`},
	{0, ``},
}

func fuzzDispatch(t *testing.T, cmd uint32, body []byte) {
	{
		c, err := New(Config{RESTURLs: []string{"http://127.0.0.1:1"}, AppID: 1, UserID: "a",
			Sign:       func(context.Context, string) (string, error) { return "s", nil },
			BackoffMin: time.Millisecond, BackoffMax: time.Millisecond, HoleRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range c.Events() {
			}
		}()
		if _, err := c.Send(context.Background(), Outgoing{To: "b", Body: "keep"}); err != nil {
			t.Fatal(err)
		}
		mine, theirs := net.Pipe()
		defer theirs.Close()
		l := &link{w: wire.Stream(mine), out: make(chan []byte, linkQueue), done: make(chan struct{})}
		c.mu.Lock()
		c.link = l
		_ = c.dispatch(l, packet.Server{Command: command.Code(cmd), Body: body})
		n := c.outbox.Len()
		c.mu.Unlock()
		c.Close()
		if n != 1 {
			t.Errorf("outbox holds %d entries after %d %q, want 1", n, cmd, body)
		}
	}
}
