package sdktest

import (
	"errors"
	"fmt"
	"io"
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
// should be more than two. The first burst's requests wait, before a byte
// passes, until wave connections are open (or WaveTimeout has passed), so
// that its calls are at once however fast the fake answers, on
// connections of their own; connections connect opens (a login's, say)
// count, and their requests in connect pass at once.
func BurstsOpen(fakeURL string, wave int, connect func(base string) (call func() error, err error)) (int, error) {
	conns, err := countConnections(fakeURL, wave)
	if err != nil {
		return 0, err
	}
	defer conns.close()
	call, err := connect(conns.url)
	if err != nil {
		return 0, fmt.Errorf("sdktest: connect a client: %w", err)
	}
	conns.arm()
	for range 2 {
		if err := burst(wave, call); err != nil {
			return 0, fmt.Errorf("sdktest: a burst of calls: %w", err)
		}
	}
	return conns.opened(), nil
}

// WaveTimeout is how long the first burst's requests wait for the rest
// of their wave: a client that never opens that many connections (it caps
// its pool lower) is then counted as it is, not waited for.
const WaveTimeout = 5 * time.Second

// connections is a TCP proxy to a fake that counts the connections
// clients open. Once armed, bytes from a client wait until wave
// connections have been opened in all (those connect made count too).
type connections struct {
	url    string // the fake's URL with the proxy's host and port
	ln     net.Listener
	target string
	wave   int
	full   chan struct{} // closed once armed with wave connections opened

	mu       sync.Mutex
	count    int
	armed    bool
	released bool
	closed   bool
	conns    []net.Conn
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
	c := &connections{url: u.String(), ln: ln, target: target, wave: wave, full: make(chan struct{})}
	go c.accept()
	return c, nil
}

func (c *connections) arm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = true
	c.releaseIfFull()
}

// releaseIfFull lets the waiting connections pass once wave are open.
// Called with mu held.
func (c *connections) releaseIfFull() {
	if c.armed && !c.released && c.count >= c.wave {
		c.released = true
		close(c.full)
	}
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
		c.releaseIfFull()
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

// gated reads from a client, holding what it read while the proxy is
// armed and its wave not yet open.
type gated struct {
	client io.Reader
	c      *connections
}

func (g gated) Read(p []byte) (int, error) {
	n, err := g.client.Read(p)
	if n > 0 {
		g.c.mu.Lock()
		wait := g.c.armed && !g.c.released
		g.c.mu.Unlock()
		if wait {
			select {
			case <-g.c.full:
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
