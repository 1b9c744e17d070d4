// Package profiling serves the Go runtime profiles (net/http/pprof) on a
// service's operations listener, when the operator turns them on (IM_PPROF).
// Every service mounts it the same way, so `go tool pprof
// http://127.0.0.1:<ops port>/debug/pprof/profile` works on each of them.
package profiling

import (
	"net"
	"net/http"
	"net/http/pprof"
)

// Mount adds /debug/pprof/ to mux. Only clients on the loopback interface
// are served: profiles reveal code, memory contents and command lines, and
// a CPU profile or trace costs the process while it runs, so they stay
// local even when the ops listener is on every interface (the store's
// default). Others get 403.
func Mount(mux *http.ServeMux) {
	mux.Handle("/debug/pprof/", localOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", localOnly(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", localOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", localOnly(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", localOnly(http.HandlerFunc(pprof.Trace)))
}

func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback(r.RemoteAddr) {
			http.Error(w, "profiles are served to loopback clients only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// loopback reports whether addr (host:port, as http.Request.RemoteAddr) is
// a loopback address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
