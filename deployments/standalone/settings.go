package main

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Settings of the standalone binary itself; every other IM_* variable is
// the services' own (see README), read from the same environment.
const (
	envDataDir     = "IM_DATA_DIR"          // the data folder ("data" beside the working directory)
	envGatewayHTTP = "IM_GATEWAY_HTTP_ADDR" // the gateway's /healthz /readyz /metrics
	envStoreHTTP   = "IM_STORE_HTTP_ADDR"   // the store's /healthz /readyz /metrics
)

// Each embedded part is replaced by the real service when its setting is
// given: these are the services' own names.
const (
	envRedis     = "IM_REDIS_ADDR"
	envMySQL     = "IM_MYSQL_DSN"
	envRabbit    = "IM_RABBIT_URL"
	envZooKeeper = "IM_ZK_SERVERS"
)

// views gives each service its view of the environment: one IM_HTTP_ADDR
// each (the domain keeps the name, the REST API being the one users call),
// a broker id for the gateway, the web demo's origin for its WebSocket
// check, and the app secret kept in the data folder when none is set.
func views(getenv func(string) string, secret string) (domainEnv, gatewayEnv, storeEnv func(string) string) {
	with := func(over map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := over[k]; ok {
				return v
			}
			return getenv(k)
		}
	}
	common := map[string]string{"IM_APP_SECRET": cmp.Or(getenv("IM_APP_SECRET"), secret)}
	domainEnv = with(common)
	gatewayEnv = with(map[string]string{
		"IM_HTTP_ADDR":  cmp.Or(getenv(envGatewayHTTP), "127.0.0.1:19003"),
		"IM_BROKER_ID":  cmp.Or(getenv("IM_BROKER_ID"), "standalone"),
		"IM_APP_SECRET": common["IM_APP_SECRET"],
		"IM_WS_ORIGINS": cmp.Or(getenv("IM_WS_ORIGINS"), webOrigins(webAddr(getenv))),
	})
	storeEnv = with(map[string]string{"IM_HTTP_ADDR": cmp.Or(getenv(envStoreHTTP), "127.0.0.1:18100")})
	return domainEnv, gatewayEnv, storeEnv
}

// dataDir creates the data folder if missing and checks it is writable.
func dataDir(getenv func(string) string) (string, error) {
	dir := cmp.Or(getenv(envDataDir), "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("%s: cannot create the data folder %s: %w", envDataDir, dir, err)
	}
	f, err := os.CreateTemp(dir, ".writable-*")
	if err != nil {
		return "", fmt.Errorf("%s: the data folder %s is not writable: %w", envDataDir, dir, err)
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	return dir, nil
}

// appSecret returns the app secret kept in the data folder, creating a
// random one on first start, so a fresh start needs no secret set and a
// restart keeps the users' signs valid.
func appSecret(dir string) (string, error) {
	path := filepath.Join(dir, "app-secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%s: read %s: %w", envDataDir, path, err)
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	secret := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("%s: write %s: %w", envDataDir, path, err)
	}
	return secret, nil
}

// listenAddr is one address the binary will listen on, with its setting.
type listenAddr struct{ setting, addr string }

// checkFree fails on the first address already in use, naming its
// setting: the services would fail later, deep in their start.
func checkFree(addrs []listenAddr) error {
	for _, a := range addrs {
		if a.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			return fmt.Errorf("%s: cannot listen on %s: %w", a.setting, a.addr, err)
		}
		_ = ln.Close()
	}
	return nil
}
