// Package webdemo serves the web chat demo (the TypeScript SDK's demo app,
// built by `./build.sh web` into webdemo/dist/) from files embedded in the binary.
// Mount Handler at "/" next to the REST API, so the page calls /v1/...
// on its own origin; the gateway must accept the page's origin for the
// WebSocket (IM_WS_ORIGINS).
package webdemo

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// dist holds the built demo; in a checkout where `./build.sh web` never ran
// it holds only .gitkeep and Handler answers 503 with how to build it.
//
//go:embed all:dist
var dist embed.FS

// Config is what the page reads from config.json.
type Config struct {
	AppID uint32 `json:"appId"`
	// APIURL is the REST base the page calls; "" means the page's own origin.
	APIURL string `json:"apiUrl"`
}

// Built reports whether the embedded files include the built demo.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

// Handler serves the demo and its config.json.
func Handler(cfg Config) http.Handler {
	files, _ := fs.Sub(dist, "dist") // "dist" is embedded, so Sub cannot fail
	static := http.FileServerFS(files)
	conf, _ := json.Marshal(cfg) // two plain fields: Marshal cannot fail
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(conf)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if !Built() {
			http.Error(w, "the web demo is not built into this binary: run ./build.sh web, then rebuild", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		static.ServeHTTP(w, r)
	})
	return mux
}

// Site is the demo at / with /v1/ forwarded to the REST API at api, so the
// page and the API share one origin (the API sends no CORS headers). The
// standalone binary and cmd/webchat serve it.
func Site(cfg Config, api *url.URL) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/", &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(api)
		r.SetXForwarded()
	}})
	mux.Handle("/", Handler(cfg))
	return mux
}
