// Command scriptgw serves one conformance scenario for an SDK test runner
// in another language (see im-sdk/conformance/README.md). It prints JSON
// lines on stdout:
//
//	{"type":"ready","rest":"http://...","ws":"ws://.../ws","tcp":"127.0.0.1:n","scenario":{...}}
//	{"type":"action","action":{...}}      perform this client action now
//	{"type":"done"}                       every connection script has run
//	{"type":"report","violations":[...]}  on stdin EOF or SIGTERM, then exit
//
// and exits 1 when there were violations.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/whaleim/whaleim/im-sdk/go/conformance/scriptgw"
)

func main() {
	path := flag.String("scenario", "", "scenario JSON file")
	flag.Parse()
	if err := run(*path); err != nil {
		fmt.Fprintln(os.Stderr, "scriptgw:", err)
		os.Exit(2)
	}
}

func run(path string) error {
	if path == "" {
		return fmt.Errorf("-scenario is required")
	}
	sc, err := scriptgw.Load(path)
	if err != nil {
		return err
	}
	g, err := scriptgw.Start(sc)
	if err != nil {
		return err
	}
	out := &printer{enc: json.NewEncoder(os.Stdout)}
	out.print(map[string]any{"type": "ready", "rest": g.RESTURL(), "ws": g.WSURL(), "tcp": g.TCPAddr(), "scenario": sc})
	go relay(g, out)
	wait()
	v := g.Violations()
	_ = g.Close()
	if v == nil {
		v = []string{}
	}
	out.print(map[string]any{"type": "report", "violations": v})
	if len(v) > 0 {
		os.Exit(1)
	}
	return nil
}

// relay prints actions and the done line as they happen.
func relay(g *scriptgw.Gateway, out *printer) {
	for {
		select {
		case a := <-g.Actions():
			out.print(map[string]any{"type": "action", "action": a})
		case <-g.Done():
			for {
				select {
				case a := <-g.Actions():
					out.print(map[string]any{"type": "action", "action": a})
				default:
					out.print(map[string]any{"type": "done"})
					return
				}
			}
		}
	}
}

// wait returns on stdin EOF or a termination signal.
func wait() {
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(eof) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-eof:
	case <-sig:
	}
}

type printer struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (p *printer) print(v any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.enc.Encode(v)
}
