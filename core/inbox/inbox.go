package inbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// Plugins is what the inbox needs of the plugin host.
type Plugins interface {
	// Ready reports whether crm's plugin runs and is configured: only then
	// are its events claimed, so a plugin that is down costs no attempt.
	Ready(crm string) bool
	// DecodeWebhooks reads a batch of webhooks; one result per hook.
	DecodeWebhooks(ctx context.Context, crm string, hooks []sdk.RawWebhook) ([]Decoding, error)
	// FindContact resolves an e-mail address to a contact id.
	FindContact(ctx context.Context, crm, email string) (string, error)
}

// Decoding is the plugin's reading of one webhook: the items (contacts) it
// carries, or Err saying why the webhook cannot be used.
type Decoding struct {
	Items []sdk.Item
	Err   error
}

// Applier applies one event's effects: the engine.
type Applier interface {
	Apply(ctx context.Context, ev engine.Event, commit engine.CommitFunc) (engine.Result, error)
}

// Options tune the inbox; zero values take the defaults noted.
type Options struct {
	Workers        int           // events applied at once (8)
	MaxAttempts    int           // then dead (12)
	BackoffInitial time.Duration // first retry delay (5s)
	BackoffMax     time.Duration // longest retry delay (1h)
	MaxBacklog     int           // unfinished events before Accept refuses (1,000,000)
	Lease          time.Duration // how long a claim holds without renewal (30s)
	Poll           time.Duration // how often to look for due work when not woken (200ms)
	// WorkersWhileReceiving bounds the events applied at once while
	// webhooks arrive (see admit); 0, or Workers or more, leaves it to
	// Workers.
	WorkersWhileReceiving int
	// ReceivingQuiet is how long after the last webhook the inbox still
	// counts as receiving (50ms); under a stream the committer takes a
	// batch every few milliseconds.
	ReceivingQuiet time.Duration
	// ReleaseStaleLeases returns events a dead process held to the queue at
	// start: only safe for a single process (SQLite).
	ReleaseStaleLeases bool
	// CRMs returns the enabled CRMs; it may change while running.
	CRMs func() []string
	// Observer hears what the inbox does; nil: nobody. Fixed at New.
	Observer Observer
}

func (o *Options) defaults() {
	setDefault(&o.Workers, 8)
	setDefault(&o.MaxAttempts, 12)
	setDefault(&o.BackoffInitial, 5*time.Second)
	setDefault(&o.BackoffMax, time.Hour)
	setDefault(&o.MaxBacklog, 1_000_000)
	setDefault(&o.Lease, 30*time.Second)
	setDefault(&o.Poll, 200*time.Millisecond)
	setDefault(&o.ReceivingQuiet, 50*time.Millisecond)
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Inbox is the webhook queue of one hub process.
type Inbox struct {
	store   *store.Store
	plugins Plugins
	applier Applier
	obs     Observer
	log     *slog.Logger
	opts    atomic.Pointer[Options]
	owner   string // this process's name, the first part of every lease it takes

	commits    chan *accepted
	received   atomic.Int64 // when the last batch of webhooks was taken, in Unix nanoseconds
	stored     atomic.Int64 // the highest event id this inbox committed on SQLite (see lookups)
	backlog    atomic.Int64
	wakeDecode chan struct{} // a nudge: webhooks wait to be decoded
	wakeWork   chan struct{} // a nudge: events may be due
	topUp      chan struct{} // a nudge: claim again if half the queue of claims is free
	final      *broadcast    // closed and renewed whenever an event ends here
	lookups    *lookups      // contacts fetched for an event, kept for those stored before the fetch

	// Owned by the decode loop: per CRM, the last webhook id of a batch
	// that failed as a whole (webhooks up to it are decoded one by one),
	// and when its plugin last died during a decode call.
	isolate map[string]int64
	died    map[string]time.Time

	// Shared by both loops: the CRMs whose failed batch is being decoded
	// one webhook per call, whose events are not claimed meanwhile; per
	// CRM, the claims being made or applied; and the contacts this inbox's
	// claims hold, true once an event of the contact waits behind the
	// claim's (see behind).
	mu       sync.Mutex
	quiet    map[string]bool
	applying map[string]int
	holding  map[[2]string]bool

	stopOnce sync.Once
	stopped  chan struct{}      // closed by Stop: take no new work
	cancel   context.CancelFunc // ends in-flight work when Stop runs out of time
	wg       sync.WaitGroup
}

// New makes an inbox; call Start to run its committer and workers.
func New(st *store.Store, plugins Plugins, applier Applier, opts Options, log *slog.Logger) *Inbox {
	opts.defaults()
	in := &Inbox{
		store:      st,
		plugins:    plugins,
		applier:    applier,
		obs:        opts.Observer,
		log:        log,
		owner:      newOwner(),
		commits:    make(chan *accepted, 4096),
		wakeDecode: make(chan struct{}, 1),
		wakeWork:   make(chan struct{}, 1),
		topUp:      make(chan struct{}, 1),
		final:      newBroadcast(),
		lookups:    newLookups(),
		isolate:    map[string]int64{},
		died:       map[string]time.Time{},
		quiet:      map[string]bool{},
		applying:   map[string]int{},
		holding:    map[[2]string]bool{},
		stopped:    make(chan struct{}),
	}
	if in.obs == nil {
		in.obs = deaf{}
	}
	in.opts.Store(&opts)
	return in
}

// SetOptions replaces the tunables of a running inbox (config reload).
// Workers and WorkersWhileReceiving take effect at the next start.
func (in *Inbox) SetOptions(opts Options) {
	opts.defaults()
	in.opts.Store(&opts)
}

func (in *Inbox) options() *Options { return in.opts.Load() }

// newOwner names this process on its leases: random, so two processes on
// one machine never share a name.
func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Kick wakes the workers: there may be new work, e.g. a plugin became
// ready.
func (in *Inbox) Kick() {
	nudge(in.wakeDecode)
	nudge(in.wakeWork)
}

func nudge(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Start runs the committer and the workers until Stop. ctx only bounds
// start-up: work goes on until Stop, so a signal that ends the hub lets
// in-flight events finish.
func (in *Inbox) Start(ctx context.Context) error {
	if in.options().ReleaseStaleLeases {
		n, err := in.store.ReleaseAllLeases(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			in.log.Info("requeued events a previous run left in processing", "events", n)
		}
	}
	if err := in.refreshBacklog(ctx); err != nil {
		return err
	}
	// SQLite has one writer. PostgreSQL commits in parallel, but on a
	// server that shares its cores, two committers taking larger batches
	// stored more webhooks per second than four or twelve taking smaller
	// ones (make bench).
	committers := 1
	if in.store.Dialect() == store.Postgres {
		committers = 2
	}
	for range committers {
		in.wg.Go(in.commitLoop)
	}
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	in.cancel = cancel
	in.wg.Go(func() { in.decodeLoop(workCtx) })
	in.wg.Go(func() { in.workLoop(workCtx) })
	return nil
}

// Stop stops taking webhooks, commits what was accepted, and lets in-flight
// events finish (or, past ctx, leaves them to their leases).
func (in *Inbox) Stop(ctx context.Context) {
	in.stopOnce.Do(func() { close(in.stopped) })
	done := make(chan struct{})
	go func() { in.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		in.cancel() // unfinished events keep their leases and are taken over
		<-done
	}
}
