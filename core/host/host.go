package host

import (
	"cmp"
	"context"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// Options configure a Host. Zero values take the defaults.
type Options struct {
	// Dir is the plugin directory (plugins.dir), where a Spec's Plugin
	// name is looked up as crmhub-plugin-<name>.
	Dir string
	// Logger receives the host's lines and every plugin's log lines, with
	// the attribute crm=<name>. Default: slog.Default().
	Logger *slog.Logger
	// CallTimeout is the deadline of every call to a plugin. Default 30s.
	CallTimeout time.Duration
	// StartTimeout bounds the launch and handshake of a plugin. Default 30s.
	StartTimeout time.Duration
	// HealthInterval is how often a plugin is pinged. Default 5s.
	HealthInterval time.Duration
	// BackoffInitial is the first wait before a plugin is started again
	// after a crash, or configured again after a transient failure; each
	// further failure doubles it. Default 1s.
	BackoffInitial time.Duration
	// BackoffMax caps the wait. A plugin that ran longer than this before
	// it crashed starts over at BackoffInitial. Default 2m.
	BackoffMax time.Duration
	// OnInfo, when set, is told each plugin's Info whenever a process of
	// it starts, e.g. to keep its webhook profile for a restarted hub.
	OnInfo func(crm string, info sdk.Info)
	// MaxProcs is how many threads each plugin's Go runtime runs Go code
	// on at once (plugins.max_procs; see runtimeEnv). Default: a quarter
	// of the hub's own, at least one.
	MaxProcs int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.CallTimeout = cmp.Or(o.CallTimeout, 30*time.Second)
	o.StartTimeout = cmp.Or(o.StartTimeout, 30*time.Second)
	o.HealthInterval = cmp.Or(o.HealthInterval, 5*time.Second)
	o.BackoffInitial = cmp.Or(o.BackoffInitial, time.Second)
	o.BackoffMax = cmp.Or(o.BackoffMax, 2*time.Minute)
	o.MaxProcs = cmp.Or(o.MaxProcs, max(1, runtime.GOMAXPROCS(0)/4))
	return o
}

// Host runs the plugins of the enabled CRMs. Its methods are safe for
// concurrent use.
type Host struct {
	opts Options

	// applying serialises Apply and Shutdown, which wait for processes;
	// mu guards the map only, so Status never waits for a process.
	applying sync.Mutex
	mu       sync.Mutex
	crms     map[string]*supervisor
	closed   bool
}

// New returns a Host that runs no plugin until Apply.
func New(opts Options) *Host {
	return &Host{opts: opts.withDefaults(), crms: map[string]*supervisor{}}
}

// Apply makes the running plugins match specs: it starts new CRMs, stops
// removed ones (waiting, within ctx, for their processes to end), restarts
// those whose plugin, checksum or settings changed, and changes rate limits
// in place. A binary refused as another plugin than the configured one is
// tried again even when its spec is unchanged. The hub calls it at start
// and on every config reload. After Shutdown it does nothing.
func (h *Host) Apply(ctx context.Context, specs []Spec) {
	h.applying.Lock()
	defer h.applying.Unlock()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	want := make(map[string]Spec, len(specs))
	for _, spec := range specs {
		want[spec.Name] = spec
	}
	var wg sync.WaitGroup
	defer wg.Wait() // after h.mu is released
	defer h.mu.Unlock()
	for name, sup := range h.crms {
		spec, keep := want[name]
		switch {
		case !keep:
			delete(h.crms, name)
			wg.Go(func() { sup.stop(ctx) })
		case !sup.spec.sameProcess(spec) || sup.isParked():
			// A refused binary gets a new start at every reload too: the
			// operator may have put the right one in its place.
			wg.Go(func() {
				// Not bounded by ctx: two loops must never share a
				// supervisor. The old one ends within go-plugin's grace
				// period.
				sup.stop(context.Background())
				sup.start(spec)
			})
		default:
			sup.mu.Lock()
			sup.spec = spec
			sup.mu.Unlock()
			sup.setRateLimit(spec.RateLimit)
		}
	}
	for name, spec := range want {
		if _, ok := h.crms[name]; !ok {
			sup := newSupervisor(spec, h.opts)
			h.crms[name] = sup
			sup.start(spec)
		}
	}
}

// Client returns the handle on a CRM's plugin, or nil if the CRM is not
// configured. The handle stays valid across restarts of the plugin; once
// the CRM is removed its calls fail with ErrPluginDown.
func (h *Host) Client(name string) *Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	sup, ok := h.crms[name]
	if !ok {
		return nil
	}
	return &Client{sup: sup}
}

// Ready reports whether the CRM's plugin is running and configured.
func (h *Host) Ready(name string) bool {
	h.mu.Lock()
	sup, ok := h.crms[name]
	h.mu.Unlock()
	return ok && sup.isReady()
}

// Status returns every CRM's plugin status, sorted by name.
func (h *Host) Status() []PluginStatus {
	h.mu.Lock()
	out := make([]PluginStatus, 0, len(h.crms))
	for _, sup := range h.crms {
		out = append(out, sup.snapshot())
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b PluginStatus) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Shutdown stops every plugin. When it returns, every plugin process is
// gone: stopped gracefully, or killed once ctx ends. It is idempotent.
func (h *Host) Shutdown(ctx context.Context) {
	h.applying.Lock()
	defer h.applying.Unlock()
	h.mu.Lock()
	h.closed = true
	sups := make([]*supervisor, 0, len(h.crms))
	for _, sup := range h.crms {
		sups = append(sups, sup)
	}
	h.mu.Unlock()

	var wg sync.WaitGroup
	for _, sup := range sups {
		wg.Go(func() {
			sup.stop(ctx)
			if ctx.Err() != nil {
				// Out of patience: kill what is left, then wait for the
				// loop, which reaps it.
				if pid := sup.snapshot().PID; pid > 0 {
					syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck // it may be gone already
				}
				sup.stop(context.Background())
			}
		})
	}
	wg.Wait()
}
