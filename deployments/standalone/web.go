package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/whaleim/whaleim/im-sdk/web/webdemo"
)

// envWeb is where the web chat demo is served ("off": not at all). Its
// page calls the REST API through the same origin (/v1/ is forwarded), and
// the gateway accepts WebSocket upgrades from that origin unless
// IM_WS_ORIGINS says otherwise.
const envWeb = "IM_WEB_ADDR"

// webAddr is the demo's listen address, "" when switched off.
func webAddr(getenv func(string) string) string {
	a := cmp.Or(getenv(envWeb), "127.0.0.1:18080")
	if a == "off" {
		return ""
	}
	return a
}

// webOrigins are the hosts a browser names in Origin when it opens the demo
// at addr: a loopback page is reachable as 127.0.0.1 and as localhost.
func webOrigins(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || addr == "" {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || host == "localhost" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		return "127.0.0.1:" + port + ",localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

// loopbackURL is the http URL of a listen address from this process.
func loopbackURL(addr string) *url.URL {
	host, port, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && (host == "" || (ip != nil && ip.IsUnspecified())) {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return &url.URL{Scheme: "http", Host: addr}
}

// serveWeb serves the demo site on addr until ctx ends.
func serveWeb(ctx context.Context, addr string, site http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", envWeb, err)
	}
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// webSite is the demo for app appID, its REST calls forwarded to rest.
func webSite(appID uint32, rest string) http.Handler {
	return webdemo.Site(webdemo.Config{AppID: appID}, loopbackURL(rest))
}
