package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// Mailer sends welcome mails (a *notify.Mailer).
type Mailer interface {
	Send(ctx context.Context, w notify.Welcome) error
}

// CRMWriter writes fields to a CRM contact (the plugin host's UpdateContact).
type CRMWriter interface {
	UpdateContact(ctx context.Context, crm, contactID string, fields map[string]string) error
}

// Worker delivers due outbox items. Run it once per hub; hubs sharing
// PostgreSQL never deliver the same item at the same time.
type Worker struct {
	st       *store.Store
	box      *secret.Box
	mailer   Mailer
	crm      CRMWriter
	loginURL string
	log      *slog.Logger
	opts     options
	kick     chan struct{}
}

// Observer hears what the outbox does, for metrics; *metrics.Metrics is
// one. Its methods must be quick and safe for concurrent use.
type Observer interface {
	// OutboxUnopenable: an item's sealed password did not open with this
	// hub's key; the item was kept.
	OutboxUnopenable(kind string)
}

type options struct {
	backoffInitial, backoffMax time.Duration
	maxAttempts                int
	poll                       time.Duration
	claimFor                   time.Duration
	unavailable                error
	observer                   Observer
}

// Option adjusts a Worker.
type Option func(*options)

// WithBackoff sets the wait before the first retry, doubled for each
// further one up to max (defaults 30s and 1h).
func WithBackoff(initial, max time.Duration) Option {
	return func(o *options) { o.backoffInitial, o.backoffMax = initial, max }
}

// WithMaxAttempts sets how many attempts an item gets before it fails
// (default 12).
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// WithPollInterval sets how often Run looks for due items (default 1s);
// Kick makes it look at once.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithUnavailable names the error a CRMWriter returns while the CRM's
// plugin is down or not configured: such failures are retried without ever
// giving up, since the item is not at fault.
func WithUnavailable(err error) Option { return func(o *options) { o.unavailable = err } }

// WithObserver has the worker report to o (e.g. the hub's metrics).
func WithObserver(o Observer) Option { return func(opts *options) { opts.observer = o } }

// New returns a Worker. loginURL is the welcome mail's LoginURL.
func New(st *store.Store, box *secret.Box, mailer Mailer, crm CRMWriter, loginURL string, log *slog.Logger, opts ...Option) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := options{backoffInitial: 30 * time.Second, backoffMax: time.Hour, maxAttempts: 12,
		poll: time.Second, claimFor: 5 * time.Minute, observer: unobserved{}}
	for _, opt := range opts {
		opt(&o)
	}
	return &Worker{st: st, box: box, mailer: mailer, crm: crm, loginURL: loginURL, log: log, opts: o,
		kick: make(chan struct{}, 1)}
}

// Kick makes Run look for due items now, e.g. after an event queued one.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx is done. On SQLite, where the hub is
// alone, it first takes back items a previous run left sending when it
// stopped, so they go out now rather than when their claim runs out.
func (w *Worker) Run(ctx context.Context) error {
	if w.st.Dialect() == store.SQLite {
		n, err := w.st.ExpireOutboxClaims(ctx)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if n > 0 {
			w.log.Warn("outbox: items were left sending by the last run; delivering them again", "items", n)
		}
	}
	tick := time.NewTicker(w.opts.poll)
	defer tick.Stop()
	for {
		if _, err := w.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("outbox: delivering failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-w.kick:
		}
	}
}

// DeliverDue delivers every item due now, one at a time, and returns how
// many it tried. An item that fails is rescheduled, not retried in this
// call. The error is the store's; delivery failures are recorded on the
// items.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	due := time.Now()
	n := 0
	for ctx.Err() == nil {
		claims, err := w.st.ClaimOutbox(ctx, due, time.Now().Add(w.opts.claimFor), 1)
		if err != nil || len(claims) == 0 {
			return n, err
		}
		n++
		if err := w.deliver(ctx, claims[0]); err != nil {
			return n, err
		}
	}
	return n, nil
}

// deliver makes one item's side effect happen and records how it went.
func (w *Worker) deliver(ctx context.Context, c store.OutboxClaim) error {
	what := describe(c.OutboxItem)
	if c.Interrupted {
		w.log.Warn("outbox: delivering an interrupted item again", "item", c.ID, "kind", c.Kind, "user", c.UserID)
		if err := w.st.AddActivity(ctx, line(c.OutboxItem, store.LevelWarning,
			"The hub stopped while delivering the %s; delivering it again, so it may have been sent twice.", what)); err != nil {
			return err
		}
	}
	plaintext, err := w.open(c.OutboxItem)
	if errors.Is(err, secret.ErrOpen) {
		return w.keepSealed(ctx, c, err)
	}
	if err != nil {
		return w.fail(ctx, c, err)
	}
	sent, err := w.send(ctx, c.OutboxItem, string(plaintext))
	if err != nil {
		err = scrubbed(err, string(plaintext))
	}
	clear(plaintext)
	// Record the outcome even when ctx ended during the send: an item
	// left "sending" would be sent again at the next start.
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		return w.retryOrFail(ctx, c, err)
	}
	w.log.Info("outbox: delivered", "item", c.ID, "kind", c.Kind, "user", c.UserID)
	return w.st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.MarkOutboxSent(ctx, c.ID); err != nil {
			return err
		}
		return tx.AddActivity(ctx, line(c.OutboxItem, store.LevelInfo, "%s.", sent))
	})
}

// errNoSecret: the plaintext to deliver is gone; retrying cannot help.
var errNoSecret = errors.New("no password to deliver")

// open unseals the item's password. A password this hub's key does not
// open is secret.ErrOpen.
func (w *Worker) open(item store.OutboxItem) ([]byte, error) {
	if len(item.Secret) == 0 {
		return nil, errNoSecret
	}
	plaintext, err := w.box.Open(item.Secret)
	if err != nil {
		return nil, fmt.Errorf("the password does not open with this hub's secret key (secret_key_file): %w", err)
	}
	return plaintext, nil
}

// keepSealed puts back an item whose password this hub's key does not
// open, and never wipes it: the password was sealed with another key (a
// hub that started with a key file of its own) or damaged, and a hub with
// the right key can still deliver it — wiping would lose it for good. It
// costs no attempt and is looked at again after the longest backoff, each
// time with an error in the log and a count in the metrics; the activity
// log says it once.
func (w *Worker) keepSealed(ctx context.Context, c store.OutboxClaim, err error) error {
	wait := w.opts.backoffMax
	w.opts.observer.OutboxUnopenable(c.Kind)
	w.log.Error("outbox: cannot open the item's password; keeping it for a hub with the key it was sealed with",
		"item", c.ID, "kind", c.Kind, "user", c.UserID, "retry_in", wait, "err", err)
	msg := err.Error()
	return w.st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.PutBackOutbox(ctx, c.ID, time.Now().Add(wait), msg); err != nil {
			return err
		}
		if c.LastError == msg {
			return nil
		}
		return tx.AddActivity(ctx, line(c.OutboxItem, store.LevelError,
			"The %s waits: its password does not open with this hub's secret key (secret_key_file). It is kept until a hub with the key it was sealed with delivers it.",
			describe(c.OutboxItem)))
	})
}

// send makes the side effect happen and says, for the activity log, what
// it did.
func (w *Worker) send(ctx context.Context, item store.OutboxItem, password string) (sent string, err error) {
	switch item.Kind {
	case store.OutboxWelcomeMail:
		// The user's current details: the address may have changed since
		// the mail was queued.
		u, err := w.st.Reader().UserByID(ctx, item.UserID)
		if err != nil {
			return "", fmt.Errorf("read user %d: %w", item.UserID, err)
		}
		err = w.mailer.Send(ctx, notify.Welcome{Username: u.Username, Email: u.Email, FirstName: u.FirstName,
			LastName: u.LastName, LoginURL: w.loginURL, Password: password})
		return "Welcome mail sent to " + u.Email, err
	case store.OutboxReturnPassword:
		if item.EventID != nil { // the plugin's log lines name the event that created the user
			ctx = sdk.WithEventID(ctx, strconv.FormatInt(*item.EventID, 10))
		}
		err := w.crm.UpdateContact(ctx, item.CRM, item.ContactID, map[string]string{item.Target: password})
		return fmt.Sprintf("Password returned to %s field %s", item.CRM, item.Target), err
	}
	return "", fmt.Errorf("%w: unknown kind %q", errNoSecret, item.Kind)
}

// retryOrFail reschedules a failed item with backoff, or gives up on it
// after the last attempt or when retrying cannot help.
func (w *Worker) retryOrFail(ctx context.Context, c store.OutboxClaim, err error) error {
	unavailable := w.opts.unavailable != nil && errors.Is(err, w.opts.unavailable)
	if !unavailable && (c.Attempts >= w.opts.maxAttempts || sdk.IsTerminal(err)) {
		return w.fail(ctx, c, err)
	}
	wait := w.backoff(c.Attempts)
	w.log.Warn("outbox: delivery failed, will retry", "item", c.ID, "kind", c.Kind, "user", c.UserID,
		"attempt", c.Attempts, "retry_in", wait, "err", err)
	return w.st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.RescheduleOutbox(ctx, c.ID, time.Now().Add(wait), err.Error()); err != nil {
			return err
		}
		return tx.AddActivity(ctx, line(c.OutboxItem, store.LevelWarning, "The %s failed (attempt %d of %d): %v. Next try in %s.",
			describe(c.OutboxItem), c.Attempts, w.opts.maxAttempts, err, wait.Round(time.Second)))
	})
}

// fail gives up on an item and wipes its secret.
func (w *Worker) fail(ctx context.Context, c store.OutboxClaim, err error) error {
	w.log.Error("outbox: delivery failed for good", "item", c.ID, "kind", c.Kind, "user", c.UserID,
		"attempts", c.Attempts, "err", err)
	return w.st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.MarkOutboxFailed(ctx, c.ID, err.Error()); err != nil {
			return err
		}
		return tx.AddActivity(ctx, line(c.OutboxItem, store.LevelError, "The %s failed for good after %d attempt(s): %v.",
			describe(c.OutboxItem), c.Attempts, err))
	})
}

// backoff is the wait after the given attempt: doubling from the initial
// wait up to the maximum, plus up to a fifth at random so that retries of
// many items spread out.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opts.backoffInitial
	for i := 1; i < attempt && d < w.opts.backoffMax; i++ {
		d *= 2
	}
	d = min(d, w.opts.backoffMax)
	if d <= 0 {
		return 0
	}
	return d + rand.N(d/5+1)
}

// describe names an item for people: "welcome mail to anna@example.com".
func describe(item store.OutboxItem) string {
	if item.Kind == store.OutboxReturnPassword {
		return fmt.Sprintf("password write-back to %s field %s", item.CRM, item.Target)
	}
	return "welcome mail to " + item.Target
}

func line(item store.OutboxItem, level, format string, args ...any) *store.Activity {
	userID := item.UserID
	return &store.Activity{CRM: item.CRM, EventID: item.EventID, UserID: &userID, Level: level,
		Message: fmt.Sprintf(format, args...)}
}

// scrubbed returns err with every occurrence of the password blanked out,
// should a server or CRM echo it back in a message.
func scrubbed(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(err.Error(), password, "[password]"), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// unobserved is the Observer of a worker nobody watches.
type unobserved struct{}

func (unobserved) OutboxUnopenable(string) {}
