//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/testwait"
	"github.com/whaleim/whaleim/im-common/tlstest"
	"github.com/whaleim/whaleim/im-sdk/go/imclient"
)

// TestChatOverTLS: a gateway with IM_TLS_CERT and IM_TLS_KEY serves TLS
// clients on TCP and WSS, and they chat through the platform as usual.
func TestChatOverTLS(t *testing.T) {
	distributedOnly(t, "starts a TLS gateway process of its own")
	files := tlstest.New(t)
	g := &gatewayAddr{tcp: freePort(), ws: freePort(), http: freePort(), tls: files.ClientConfig("127.0.0.1")}
	if err := cl.spawnGateway("gateway-tls", g, "IM_SEND_RATE=0", "IM_TLS_CERT="+files.CertFile, "IM_TLS_KEY="+files.KeyFile); err != nil {
		t.Fatal(err)
	}
	// Stopped gracefully, so it leaves ZooKeeper at once: killed, its node
	// lingered for the session timeout, and the login route handed its wss://
	// address to the next test's browser clients (TestWebChatInChromium).
	t.Cleanup(func() { cl.procs["gateway-tls"].Stop(10 * time.Second) })
	u := newUsers(t, "tls", 2)
	alice := connectTo(t, u[0], g, "gw-tls", false, device.Android)
	bob := connectTo(t, u[1], g, "gw-tls", true, device.Web)
	ack := send(t, alice, imclient.Message{ToID: u[1], Body: "over tls"})
	testwait.Eventually(t, 10*time.Second, func() error { return checkStream(bob, []imclient.Ack{ack}) })
}
