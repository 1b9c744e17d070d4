// Command webchat serves the web chat demo and forwards /v1/ to the REST
// API, so the page and the API share one origin (the domain API sends no
// CORS headers), for the distributed platform (./build.sh run-distributed
// and the browser test); the standalone binary serves the same site itself.
//
// Settings: IM_WEB_ADDR (listen, default 127.0.0.1:18080), IM_DOMAIN_URL
// (REST API, default http://127.0.0.1:18000), IM_APP_ID (default 10000).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/whaleim/whaleim/im-sdk/web/webdemo"
)

// config is the command's environment.
type config struct {
	addr   string
	domain *url.URL
	appID  uint32
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := load(os.Getenv)
	if err != nil {
		log.Error("webchat: bad setting", "err", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("webchat stopped", "err", err)
		os.Exit(1)
	}
}

func load(env func(string) string) (config, error) {
	c := config{addr: or(env("IM_WEB_ADDR"), "127.0.0.1:18080"), appID: 10000}
	u, err := url.Parse(or(env("IM_DOMAIN_URL"), "http://127.0.0.1:18000"))
	if err != nil || u.Host == "" {
		return c, fmt.Errorf("IM_DOMAIN_URL %q: not an http URL", env("IM_DOMAIN_URL"))
	}
	c.domain = u
	if s := env("IM_APP_ID"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return c, fmt.Errorf("IM_APP_ID %q: %w", s, err)
		}
		c.appID = uint32(n)
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// handler mounts the demo at / and the REST proxy at /v1/.
func handler(cfg config) http.Handler {
	return webdemo.Site(webdemo.Config{AppID: cfg.appID}, cfg.domain)
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	srv := &http.Server{Addr: cfg.addr, Handler: handler(cfg), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("webchat listening", "addr", "http://"+cfg.addr, "api", cfg.domain.String(), "built", webdemo.Built())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
