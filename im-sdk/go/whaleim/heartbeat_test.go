package whaleim_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-sdk/go/whaleim"
)

// silentGateway accepts logins, counts pings and never answers them.
type silentGateway struct {
	ln           net.Listener
	conns, pings atomic.Int32
}

func (g *silentGateway) serve() {
	for {
		nc, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.conns.Add(1)
		go func() {
			defer nc.Close()
			r := packet.NewReader(nc, packet.Limits{})
			for {
				p, err := r.ReadClient()
				if err != nil {
					return
				}
				switch p.Command {
				case command.Login:
					body, _ := json.Marshal(payload.Envelope{Command: command.LoginAck, Data: json.RawMessage(`{"code":200}`)})
					_, _ = nc.Write(packet.Server{Command: command.LoginAck, Body: body}.Append(nil))
				case command.Ping:
					g.pings.Add(1)
				}
			}
		}()
	}
}

// The SDK pings at its heartbeat interval and, when the gateway stays
// silent for 2.5 intervals, drops the connection and logs in again. The
// first REST URL is down: every login falls back to the second.
func TestHeartbeatsAndSilenceReconnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &silentGateway{ln: ln}
	go g.serve()
	defer ln.Close()
	rest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := `[]`
		if r.URL.Path == "/v1/user/login" {
			data = fmt.Sprintf(`{"tcpAddress":%q}`, ln.Addr().String())
		}
		fmt.Fprintf(w, `{"code":200,"msg":"ok","data":%s}`, data)
	}))
	defer rest.Close()
	c, err := whaleim.New(whaleim.Config{RESTURLs: []string{"http://127.0.0.1:1", rest.URL}, AppID: 1, UserID: "alice", Sign: sign,
		Transport: whaleim.TCP, Heartbeat: 40 * time.Millisecond, BackoffMin: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range c.Events() {
		}
	}()
	c.Start()
	defer c.Close()
	testwait.Until(t, 10*time.Second, "pings and a reconnect after silence", func() bool {
		return g.pings.Load() >= 2 && g.conns.Load() >= 2
	})
}
