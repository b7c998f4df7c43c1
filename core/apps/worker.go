package apps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// App is an application user events are pushed to.
type App struct {
	Name   string
	URL    string
	Secret string // whsec_<base64>
}

// Options configure a Worker; SetOptions changes them while it runs.
type Options struct {
	// Apps are the apps to push to; another app's deliveries wait.
	Apps        []App
	MaxAttempts int
	// BackoffInitial and BackoffMax bound the waits between attempts (see
	// Backoff).
	BackoffInitial, BackoffMax time.Duration
	// Timeout bounds one POST; no answer in time is a failed attempt.
	Timeout time.Duration
	// Senders is how many deliveries are sent at once (default 8).
	Senders int
	// Poll is how often the worker looks for due deliveries (default 1s);
	// Kick makes it look at once.
	Poll time.Duration
	// ReleaseStaleLeases makes deliveries left sending by a stopped hub
	// due at start: only for a hub alone on its store (SQLite).
	ReleaseStaleLeases bool
	// Observer is told how each attempt went; nil tells no one.
	Observer Observer
}

// Observer learns how deliveries go (the hub's metrics).
type Observer interface {
	// Delivery reports one attempt: its outcome (delivered, retrying or
	// dead) and how long the app took to answer.
	Delivery(app, outcome string, took time.Duration)
}

// Outcomes of an attempt, as an Observer hears them.
const (
	OutcomeDelivered = "delivered"
	OutcomeRetrying  = "retrying"
	OutcomeDead      = "dead"
)

// Worker pushes due deliveries to their apps. Run it once per hub; hubs
// sharing PostgreSQL share the work and never send one delivery twice at
// the same time.
type Worker struct {
	st     *store.Store
	opts   atomic.Pointer[Options]
	client *http.Client
	log    *slog.Logger
	kick   chan struct{}
	freed  chan struct{}
	busy   atomic.Int64
	sends  sync.WaitGroup
}

// New returns a worker.
func New(st *store.Store, opts Options, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{st: st, log: log, kick: make(chan struct{}, 1), freed: make(chan struct{}, 1),
		client: &http.Client{
			// A redirect is not an answer: the app's URL is what the
			// operator configured.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	w.SetOptions(opts)
	return w
}

// SetOptions applies new options from the next round; deliveries being
// sent finish with the old ones.
func (w *Worker) SetOptions(o Options) {
	if o.Senders < 1 {
		o.Senders = 8
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = 1
	}
	w.opts.Store(&o)
	w.Kick()
}

// Kick makes the worker look for due deliveries now (after a commit).
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx ends, then waits for the deliveries
// being sent to finish and be recorded (each bounded by the timeout).
func (w *Worker) Run(ctx context.Context) {
	defer w.sends.Wait()
	if w.opts.Load().ReleaseStaleLeases {
		if err := w.st.ExpireDeliveryLeases(ctx); err != nil {
			w.log.Warn("could not release the deliveries a stopped hub was sending", "err", err)
		}
	}
	for {
		o := w.opts.Load()
		more := w.round(ctx, o)
		if more {
			continue
		}
		timer := time.NewTimer(o.Poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-w.kick:
		case <-w.freed:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// round claims as many due deliveries as there are free senders and sends
// them. It reports whether it filled every sender (more may be due).
func (w *Worker) round(ctx context.Context, o *Options) bool {
	free := o.Senders - int(w.busy.Load())
	if free <= 0 || len(o.Apps) == 0 || ctx.Err() != nil {
		return false
	}
	names := make([]string, len(o.Apps))
	for i, a := range o.Apps {
		names[i] = a.Name
	}
	claims, err := w.st.ClaimDeliveries(ctx, names, time.Now(), o.Timeout+30*time.Second, free)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("could not claim deliveries", "err", err)
		}
		return false
	}
	for _, c := range claims {
		w.busy.Add(1)
		w.sends.Go(func() {
			defer func() {
				w.busy.Add(-1)
				select {
				case w.freed <- struct{}{}:
				default:
				}
			}()
			// A delivery under way finishes even when the hub stops: it is
			// bounded by the timeout, and its outcome is recorded.
			w.deliver(context.WithoutCancel(ctx), o, c)
		})
	}
	return len(claims) == free
}

// deliver sends one claimed delivery and records how it went.
func (w *Worker) deliver(ctx context.Context, o *Options, c store.DeliveryClaim) {
	app, ok := findApp(o.Apps, c.App)
	if !ok {
		return // the lease runs out and the delivery waits for its app
	}
	body, err := json.Marshal(struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{c.Change.Type, c.Change.CreatedAt.UTC(), json.RawMessage(c.Change.Data)})
	if err != nil {
		w.log.Error("cannot encode a user event", "app", c.App, "change", c.ChangeID, "err", err)
		return
	}
	started := time.Now()
	reply := w.post(ctx, app, o.Timeout, MessageID(c.ChangeID), body)
	res, outcome := w.judge(o, c, reply)
	if o.Observer != nil {
		o.Observer.Delivery(c.App, outcome, time.Since(started))
	}
	ours, err := w.st.FinishDelivery(ctx, c.ID, c.LeaseToken, res)
	switch {
	case err != nil:
		w.log.Error("could not record a delivery; it is sent again when its lease runs out", "app", c.App, "delivery", c.ID, "err", err)
	case !ours:
		w.log.Warn("a delivery's lease ran out while it was sent; another hub took it over", "app", c.App, "delivery", c.ID)
	case outcome == OutcomeDead:
		w.log.Warn("user event given up", "app", c.App, "delivery", c.ID, "change", c.ChangeID,
			"attempts", c.Attempts, "status", reply.Status, "err", reply.Error)
	case outcome == OutcomeRetrying:
		w.log.Info("user event not delivered; retrying", "app", c.App, "delivery", c.ID,
			"attempt", c.Attempts, "next", res.NextAttemptAt, "status", reply.Status, "err", reply.Error)
	}
}

// judge turns an app's reply into the delivery's next state: 2xx is
// delivered; 410 Gone means the app wants no more of this message; any
// other answer, or none, is retried with backoff until the attempts run
// out.
func (w *Worker) judge(o *Options, c store.DeliveryClaim, r Reply) (store.DeliveryResult, string) {
	res := store.DeliveryResult{ResponseStatus: r.Status, Error: r.Error}
	switch {
	case r.OK():
		res.Status, res.Error = store.DeliveryDelivered, ""
		return res, OutcomeDelivered
	case r.Status == http.StatusGone:
		res.Status = store.DeliveryDead
		return res, OutcomeDead
	case c.Attempts >= o.MaxAttempts:
		res.Status = store.DeliveryDead
		return res, OutcomeDead
	}
	res.Status = store.DeliveryPending
	res.NextAttemptAt = time.Now().Add(Backoff(c.Attempts, o.BackoffInitial, o.BackoffMax))
	return res, OutcomeRetrying
}

func findApp(apps []App, name string) (App, bool) {
	for _, a := range apps {
		if a.Name == name {
			return a, true
		}
	}
	return App{}, false
}

// MessageID is the webhook-id of a change's message: the same on every
// attempt and for every app, so a receiver can drop a repeat.
func MessageID(changeID int64) string { return "msg_" + strconv.FormatInt(changeID, 10) }

// Reply is what an app answered to one POST.
type Reply struct {
	// Status is the HTTP status; 0 when the app did not answer.
	Status int `json:"status"`
	// Body is the start of the answer's body.
	Body string `json:"body"`
	// Error says what went wrong, "" after a 2xx.
	Error string `json:"error"`
	// Took is how long the app took.
	Took time.Duration `json:"took_ns"`
}

// OK reports a 2xx answer.
func (r Reply) OK() bool { return r.Status >= 200 && r.Status < 300 }

// replyBodyMax bounds how much of an answer is kept.
const replyBodyMax = 1024

// post sends one signed message to an app.
func (w *Worker) post(ctx context.Context, app App, timeout time.Duration, id string, body []byte) Reply {
	started := time.Now()
	fail := func(err error) Reply { return Reply{Error: err.Error(), Took: time.Since(started)} }
	at := time.Now()
	sig, err := Sign(app.Secret, id, at, body)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, app.URL, bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crmhub")
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := w.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fail(fmt.Errorf("no answer within %s", timeout))
		}
		return fail(err)
	}
	defer resp.Body.Close()
	start, _ := io.ReadAll(io.LimitReader(resp.Body, replyBodyMax))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // lets the connection be reused
	r := Reply{Status: resp.StatusCode, Body: string(start), Took: time.Since(started)}
	if !r.OK() {
		r.Error = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return r
}

// ErrNoSuchApp: no enabled app with a url has this name.
var ErrNoSuchApp = errors.New("no enabled app with a url has this name")

// Test sends an app a signed ping message now, outside the delivery queue,
// and returns what it answered.
func (w *Worker) Test(ctx context.Context, name string) (Reply, error) {
	o := w.opts.Load()
	app, ok := findApp(o.Apps, name)
	if !ok {
		return Reply{}, fmt.Errorf("apps: test %s: %w", name, ErrNoSuchApp)
	}
	now := time.Now().UTC()
	body, err := json.Marshal(map[string]any{"type": "ping", "timestamp": now, "data": map[string]string{"app": name}})
	if err != nil {
		return Reply{}, fmt.Errorf("apps: test %s: %w", name, err)
	}
	id := "msg_ping_" + strconv.FormatInt(now.UnixNano(), 36)
	return w.post(ctx, app, o.Timeout, id, body), nil
}
