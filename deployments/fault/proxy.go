package fault

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// proxy is a small in-process TCP proxy between a client side and one
// upstream. Its faults: cut every connection, refuse new ones (a
// partition), add latency, and slice the byte stream into small writes
// (half and sticky packets). A proxy of our own rather than toxiproxy:
// these four faults are about 150 lines, with no new dependency.
type proxy struct {
	name     string
	ln       net.Listener
	upstream string

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	blocked bool
	latency time.Duration
	slice   bool
	tap     wireTap // TCP client proxies: the wire receives
}

// newProxy listens on a free loopback port and forwards to upstream.
func newProxy(name, upstream string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", name, err)
	}
	p := &proxy{name: name, ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	go p.serve()
	return p, nil
}

// addr is where clients connect.
func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *proxy) handle(down net.Conn) {
	p.mu.Lock()
	blocked := p.blocked
	p.mu.Unlock()
	if blocked {
		down.Close()
		return
	}
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		down.Close()
		return
	}
	if !p.track(down, up) {
		return
	}
	var toUp, toDown io.Writer
	if p.tap != nil {
		t := newTapConn(p.tap)
		defer t.close()
		toUp, toDown = t.up, t.down
	}
	done := make(chan struct{}, 2)
	go func() { p.pipe(up, down, toUp); done <- struct{}{} }()
	go func() { p.pipe(down, up, toDown); done <- struct{}{} }()
	<-done
	p.untrack(down, up)
}

// track registers both ends unless the proxy was blocked meanwhile.
func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blocked {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.conns, c)
	}
}

type chunk struct {
	at time.Time
	b  []byte
}

// pipe copies src to dst through a queue, applying latency and slicing
// as they are set when each chunk is written; tee (if set) sees every
// chunk as it was read.
func (p *proxy) pipe(dst, src net.Conn, tee io.Writer) {
	q := make(chan chunk, 1024)
	stopped := make(chan struct{}) // the writer gave up: the reader must not block on q
	defer close(stopped)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32*1024)
			n, err := src.Read(b)
			if n > 0 {
				if tee != nil {
					_, _ = tee.Write(b[:n])
				}
				select {
				case q <- chunk{at: time.Now(), b: b[:n]}:
				case <-stopped:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	defer dst.Close()
	defer src.Close()
	for c := range q {
		p.mu.Lock()
		lat, slice := p.latency, p.slice
		p.mu.Unlock()
		if wait := time.Until(c.at.Add(lat)); wait > 0 {
			time.Sleep(wait) // the injected latency itself
		}
		if err := p.write(dst, c.b, slice); err != nil {
			return
		}
	}
}

func (p *proxy) write(dst net.Conn, b []byte, slice bool) error {
	if !slice {
		_, err := dst.Write(b)
		return err
	}
	for len(b) > 0 {
		n := min(len(b), 2+rand.IntN(11)) // 2..12 bytes, average 7
		if _, err := dst.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		time.Sleep(50 * time.Microsecond) // let each slice leave as its own segment
	}
	return nil
}

// cut closes every open connection (a reset for both sides).
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// block refuses new connections and cuts the open ones (a partition);
// unblock heals it.
func (p *proxy) block() {
	p.mu.Lock()
	p.blocked = true
	p.mu.Unlock()
	p.cut()
}

func (p *proxy) unblock() {
	p.mu.Lock()
	p.blocked = false
	p.mu.Unlock()
}

// degrade sets latency and slicing on every connection, open or new.
func (p *proxy) degrade(latency time.Duration, slice bool) {
	p.mu.Lock()
	p.latency, p.slice = latency, slice
	p.mu.Unlock()
}

// close stops listening and cuts every connection.
func (p *proxy) close() error {
	err := p.ln.Close()
	p.cut()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
