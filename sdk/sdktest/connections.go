package sdktest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"sync"
	"time"
)

// BurstsOpen makes two bursts of wave calls at once to a fake CRM API,
// through a proxy that counts the TCP connections they open, and returns
// that count: wave when the client keeps a burst's connections for the
// next (see sdk.APITransport), more when it closes some and opens them
// again. connect makes the client for the API at base (the fake's URL
// with the proxy's address) and returns one call of it:
//
//	opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
//		c, err := newClient(base) // the plugin's client of the API at base
//		return func() error { _, err := c.Contact(ctx, "1"); return err }, err
//	})
//	Expect(err).NotTo(HaveOccurred())
//	Expect(opened).To(Equal(4))
//
// Go's default transport keeps two idle connections per host, so wave
// should be more than two. In each burst the requests wait, before a byte
// passes, until wave connections carry one (or WaveTimeout has passed),
// so that the burst's calls are all in flight at once however fast the
// fake answers: a client that kept fewer than wave connections must open
// more. Requests made in connect (a login's, say) pass at once, and the
// connections they open count.
//
// A transport puts a connection back in its pool on a goroutine of its
// own, just after the call that used it has returned; when that goroutine
// runs late, the next burst finds one connection short and opens another.
// That race only ever adds connections, so BurstsOpen measures up to
// three times, each through a proxy of its own and calling connect
// again, and returns the fewest.
func BurstsOpen(fakeURL string, wave int, connect func(base string) (call func() error, err error)) (int, error) {
	fewest := math.MaxInt
	for range tries {
		opened, err := burstsOpen(fakeURL, wave, connect)
		if err != nil {
			return 0, err
		}
		if fewest = min(fewest, opened); fewest <= wave {
			break
		}
	}
	return fewest, nil
}

// tries bounds how many times BurstsOpen measures a client that opens
// more than wave connections.
const tries = 3

// burstsOpen is one measurement of BurstsOpen.
func burstsOpen(fakeURL string, wave int, connect func(base string) (call func() error, err error)) (int, error) {
	conns, err := countConnections(fakeURL, wave)
	if err != nil {
		return 0, err
	}
	defer conns.close()
	call, err := connect(conns.url)
	if err != nil {
		return 0, fmt.Errorf("sdktest: connect a client: %w", err)
	}
	for range 2 {
		conns.nextWave()
		if err := burst(wave, call); err != nil {
			return 0, fmt.Errorf("sdktest: a burst of calls: %w", err)
		}
	}
	return conns.opened(), nil
}

// WaveTimeout is how long a burst's requests wait for the rest of their
// wave: a client that never has that many connections (it caps its pool
// lower) is then counted as it is, not waited for.
const WaveTimeout = 5 * time.Second

// connections is a TCP proxy to a fake that counts the connections
// clients open. Once the first wave has begun, the bytes a client sends
// wait until wave connections have sent some in that wave.
type connections struct {
	url    string // the fake's URL with the proxy's host and port
	ln     net.Listener
	target string
	wave   int

	mu      sync.Mutex
	count   int               // connections opened
	sending map[net.Conn]bool // connections that sent in the current wave; nil before the first
	full    chan struct{}     // closed once wave connections have sent in the current wave
	closed  bool
	conns   []net.Conn
}

func countConnections(fakeURL string, wave int) (*connections, error) {
	u, err := url.Parse(fakeURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("sdktest: count connections: %q is not a fake's URL", fakeURL)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sdktest: count connections: %w", err)
	}
	target := u.Host
	u.Host = ln.Addr().String()
	c := &connections{url: u.String(), ln: ln, target: target, wave: wave}
	go c.accept()
	return c, nil
}

// nextWave begins a wave: from now on, bytes wait until wave connections
// have sent some since.
func (c *connections) nextWave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sending = map[net.Conn]bool{}
	c.full = make(chan struct{})
}

// join counts client as sending in the current wave and returns what its
// bytes wait for: the wave to be full, or nil before the first wave.
func (c *connections) join(client net.Conn) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sending == nil {
		return nil
	}
	if !c.sending[client] {
		c.sending[client] = true
		if len(c.sending) == c.wave {
			close(c.full)
		}
	}
	return c.full
}

func (c *connections) opened() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// close stops the proxy and closes every connection through it.
func (c *connections) close() {
	c.ln.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, conn := range c.conns {
		conn.Close()
	}
}

func (c *connections) accept() {
	for {
		client, err := c.ln.Accept()
		if err != nil {
			return // closed
		}
		c.mu.Lock()
		c.count++
		c.conns = append(c.conns, client)
		c.mu.Unlock()
		go c.pass(client)
	}
}

// pass copies between client and a connection of its own to the fake.
func (c *connections) pass(client net.Conn) {
	fake, err := net.Dial("tcp", c.target)
	if err != nil {
		client.Close()
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		fake.Close()
		client.Close()
		return
	}
	c.conns = append(c.conns, fake)
	c.mu.Unlock()
	go func() {
		_, _ = io.Copy(fake, gated{client, c})
		fake.Close()
	}()
	_, _ = io.Copy(client, fake)
	client.Close()
}

// gated reads from a client, holding what it read until the current wave
// is full.
type gated struct {
	client net.Conn
	c      *connections
}

func (g gated) Read(p []byte) (int, error) {
	n, err := g.client.Read(p)
	if n > 0 {
		if full := g.c.join(g.client); full != nil {
			select {
			case <-full:
			case <-time.After(WaveTimeout):
			}
		}
	}
	return n, err
}

// burst runs call n times at once and returns when all have returned,
// with their errors joined.
func burst(n int, call func() error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
