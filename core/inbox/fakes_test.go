package inbox_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// plugins stands in for the plugin host: webhooks carry "contact=<id>" or
// "email=<addr>" in their query; "contact=bad" is invalid. A "decode=<how>"
// parameter makes the decoder misbehave on that webhook:
//   - unsupported, notfound, unauthenticated, retry: its own result is an
//     error of that kind (retry: what the SDK answers for a decoder that
//     panicked on it);
//   - poison: every call that carries it fails as a whole;
//   - killer: every call that carries it kills the plugin, which the fake
//     host restarts after restartAfter;
//   - crash-once: the first call that carries it kills the plugin (which
//     died for a reason of its own);
//   - slow: every call that carries it takes slowDecode, and dies with
//     the plugin if something else kills it meanwhile.
//
// A request may name several contacts: "contact=1,2,3" is one item per id
// ("contact=none": no item at all). Of those, "ignore=<id>" ignores one,
// "carry=<id>" carries the contact itself (its e-mail in "carried"),
// "act_<id>=<action>" gives one its own action, and "note=<text>" adds a
// note to each item.
//
// FindContact of an e-mail address in killers kills the plugin every time.
// The event ids the decoder and FindContact are given are recorded.
type plugins struct {
	mu       sync.Mutex
	ready    bool
	emails   map[string]string // e-mail → contact id
	killers  map[string]bool   // e-mail → FindContact of it kills the plugin
	findErrs []error           // errors for the next FindContact calls
	calls    map[string]int    // webhook query → decode calls that carried it
	crashes  int               // how often the plugin died
	hookIDs  []string          // the EventID of every webhook decoded
	findIDs  []string          // the event id every FindContact call carried
}

// eventIDs returns the ids the decoder and FindContact were given.
func (p *plugins) eventIDs() (hooks, finds []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hookIDs...), append([]string(nil), p.findIDs...)
}

// items reads the items a fake webhook names (see plugins).
func items(q url.Values) []sdk.Item {
	id, email := first(q["contact"]), first(q["email"])
	if id == "none" {
		return []sdk.Item{}
	}
	if !strings.Contains(id, ",") {
		return []sdk.Item{item(q, id, email)}
	}
	var out []sdk.Item
	for c := range strings.SplitSeq(id, ",") {
		out = append(out, item(q, c, ""))
	}
	return out
}

func item(q url.Values, id, email string) sdk.Item {
	it := sdk.Item{ContactID: id, Email: email, Action: sdk.Action(first(q["act_"+id]))}
	if id != "" && first(q["ignore"]) == id {
		return sdk.Ignore(id, "the spec ignores it")
	}
	if id != "" && first(q["carry"]) == id {
		it.Contact = &sdk.Contact{ID: id, Email: first(q["carried"]), Tags: []sdk.Tag{{ID: "1", Name: "carried"}}}
	}
	if note := first(q["note"]); note != "" {
		it.Notes = []string{note + " " + cmp.Or(id, email)}
	}
	return it
}

// restartAfter is how long the fake plugin stays down after a killer.
const restartAfter = 150 * time.Millisecond

// slowDecode is how long a decode call of a "decode=slow" webhook takes.
const slowDecode = time.Second

func newPlugins() *plugins {
	return &plugins{ready: true, emails: map[string]string{}, killers: map[string]bool{}, calls: map[string]int{}}
}

func (p *plugins) setReady(r bool) { p.mu.Lock(); p.ready = r; p.mu.Unlock() }

func (p *plugins) Ready(string) bool { p.mu.Lock(); defer p.mu.Unlock(); return p.ready }

// failFind makes the next FindContact calls fail with errs, in order; an
// Unauthenticated one also marks the plugin not ready, as the host does.
func (p *plugins) failFind(errs ...error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.findErrs = append(p.findErrs, errs...)
}

// decodeCalls counts the decode calls that carried the webhook with query.
func (p *plugins) decodeCalls(query string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[query]
}

func (p *plugins) DecodeWebhooks(_ context.Context, _ string, hooks []sdk.RawWebhook) ([]inbox.Decoding, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ready {
		return nil, fmt.Errorf("crm klicktipp is crashed: %w", host.ErrPluginDown)
	}
	out := make([]inbox.Decoding, len(hooks))
	slow := false
	for _, h := range hooks {
		p.calls[url.Values(h.Query).Encode()]++
		p.hookIDs = append(p.hookIDs, h.EventID)
		slow = slow || first(h.Query["decode"]) == "slow"
	}
	if slow {
		crashes := p.crashes
		for end := time.Now().Add(slowDecode); time.Now().Before(end); {
			p.mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			p.mu.Lock()
			if p.crashes != crashes { // the connection breaks at once
				return nil, fmt.Errorf("crm klicktipp: decode webhooks: %w (EOF)", host.ErrPluginDied)
			}
		}
	}
	for i, h := range hooks {
		id, email := first(h.Query["contact"]), first(h.Query["email"])
		switch first(h.Query["decode"]) {
		case "poison":
			return nil, errors.New("decode webhooks: rpc error: code = Internal desc = the plugin failed")
		case "killer":
			p.crash()
			return nil, fmt.Errorf("crm klicktipp: decode webhooks: %w (EOF)", host.ErrPluginDied)
		case "crash-once":
			if p.calls[url.Values(h.Query).Encode()] == 1 {
				p.crash()
				return nil, fmt.Errorf("crm klicktipp: decode webhooks: %w (EOF)", host.ErrPluginDied)
			}
		case "unsupported":
			out[i].Err = sdk.Unsupported("this CRM cannot read such webhooks")
		case "notfound":
			out[i].Err = sdk.NotFound("the webhook names a list that no longer exists")
		case "unauthenticated":
			out[i].Err = sdk.Unauthenticated("session expired")
		case "retry":
			out[i].Err = sdk.Retryable(errors.New("plugin bug: decoding this webhook panicked: index out of range"), 0)
		}
		switch {
		case out[i].Err != nil:
		case id == "bad":
			out[i].Err = sdk.Invalid("parameter contact is not a number")
		case id == "" && email == "":
			out[i].Err = sdk.Invalid("no contact")
		default:
			out[i].Items = items(h.Query)
		}
	}
	return out, nil
}

// crash plays the plugin process dying: the host notices, so the plugin
// is not ready until it has been started again. Call it with p.mu held.
func (p *plugins) crash() {
	p.ready = false
	p.crashes++
	time.AfterFunc(restartAfter, func() { p.setReady(true) })
}

func (p *plugins) FindContact(ctx context.Context, _ string, email string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.findIDs = append(p.findIDs, sdk.EventID(ctx))
	if !p.ready {
		return "", fmt.Errorf("crm klicktipp is crashed: find contact: %w", host.ErrPluginDown)
	}
	if p.killers[email] {
		p.crash()
		return "", fmt.Errorf("crm klicktipp: find contact: %w (EOF)", host.ErrPluginDied)
	}
	if len(p.findErrs) > 0 {
		err := p.findErrs[0]
		p.findErrs = p.findErrs[1:]
		switch {
		case sdk.IsUnauthenticated(err):
			p.ready = false
		case errors.Is(err, host.ErrPluginDied):
			p.crash()
		}
		return "", err
	}
	if id, ok := p.emails[email]; ok {
		return id, nil
	}
	return "", sdk.NotFound("no contact with e-mail %s", email)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// applier stands in for the engine: it commits the outcome a script
// gives for each contact, or fails as told, and records every call's span
// so specs can check that no two calls for one contact overlap. Like the
// engine, it fetches the contact when the event carries none, at the
// call's start: the contact it reports having fetched names the event it
// was fetched for in its e-mail address (see fetchedFor).
type applier struct {
	st      *store.Store
	plugins *plugins // crashed by a killer; nil: no killers

	mu       sync.Mutex
	killers  map[string]bool     // contact → every call kills the plugin
	failures map[string][]error  // contact → errors for the next calls
	stalls   map[string][]*stall // contact → stalls of the next calls
	delay    time.Duration
	calls    []call
}

// stall holds one call the way a CRM call stuck on the network would:
// deaf to cancellation until the spec lets it go.
type stall struct {
	note    string        // ends the message of the call's result
	started chan struct{} // closed when the call is under way
	release chan struct{} // closed by let
	once    sync.Once
}

// let lets the stalled call go on; it may be called more than once.
func (s *stall) let() { s.once.Do(func() { close(s.release) }) }

type call struct {
	ev         engine.Event
	eventID    string // the event id the plugin calls of the engine would carry
	start, end time.Time
}

func newApplier(st *store.Store) *applier {
	return &applier{st: st, killers: map[string]bool{}, failures: map[string][]error{}, stalls: map[string][]*stall{}}
}

// stallNext makes the next call for contact stall until let, then commit
// a result whose message ends with note.
func (a *applier) stallNext(contact, note string) *stall {
	s := &stall{note: note, started: make(chan struct{}), release: make(chan struct{})}
	a.mu.Lock()
	a.stalls[contact] = append(a.stalls[contact], s)
	a.mu.Unlock()
	return s
}

// setKiller makes every call for contact kill the plugin, or stops it.
func (a *applier) setKiller(contact string, on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.killers[contact] = on
}

func (a *applier) failNext(contact string, errs ...error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures[contact] = append(a.failures[contact], errs...)
}

func (a *applier) Apply(ctx context.Context, ev engine.Event, commit engine.CommitFunc) (engine.Result, error) {
	// A call is recorded, with its end, before anything about its event is
	// written: inside the transaction when it commits (which also frees the
	// contact for the next event), or just before a failure returns (the
	// inbox frees the contact after). So a spec that sees the event's new
	// state also sees the call.
	start := time.Now()
	record := func() {
		a.mu.Lock()
		a.calls = append(a.calls, call{ev: ev, eventID: sdk.EventID(ctx), start: start, end: time.Now()})
		a.mu.Unlock()
	}
	a.mu.Lock()
	var err error
	if errs := a.failures[ev.ContactID]; len(errs) > 0 {
		err, a.failures[ev.ContactID] = errs[0], errs[1:]
	}
	if a.killers[ev.ContactID] {
		err = fmt.Errorf("get contact %s: crm klicktipp: %w (EOF)", ev.ContactID, host.ErrPluginDied)
		a.plugins.mu.Lock()
		a.plugins.crash()
		a.plugins.mu.Unlock()
	}
	var stalled *stall
	if ss := a.stalls[ev.ContactID]; len(ss) > 0 {
		stalled, a.stalls[ev.ContactID] = ss[0], ss[1:]
	}
	delay := a.delay
	a.mu.Unlock()
	if stalled != nil {
		close(stalled.started)
		<-stalled.release
	}
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		record()
		return engine.Result{}, ctx.Err()
	}
	if err != nil {
		record()
		return engine.Result{}, err
	}
	res := engine.Result{Outcome: engine.TagsUpdated, Message: "applied " + ev.ContactID}
	if strings.HasPrefix(ev.ContactID, "404") {
		res = engine.Result{Outcome: engine.ContactNotFound, Message: "no such contact"}
	}
	if stalled != nil {
		res.Message += " " + stalled.note
	}
	if ev.Contact == nil && res.Outcome != engine.ContactNotFound {
		res.Fetched = &sdk.Contact{ID: ev.ContactID, Email: fetchedFor(sdk.EventID(ctx))}
	}
	return res, a.st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		record()
		return commit(ctx, tx, res)
	})
}

// fetchedFor is the e-mail address of a contact the applier fetched for
// event id.
func fetchedFor(id string) string { return "fetched-for-" + id + "@example.com" }

func (a *applier) callsFor(contact string) []call {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []call
	for _, c := range a.calls {
		if c.ev.ContactID == contact {
			out = append(out, c)
		}
	}
	return out
}

func (a *applier) allCalls() []call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]call(nil), a.calls...)
}

var errCRMDown = errors.New("klicktipp answered 500")

// mostAtOnce is the most calls in progress at once among those that
// started between from and to.
func mostAtOnce(calls []call, from, to time.Time) int {
	var started []call
	for _, c := range calls {
		if !c.start.Before(from) && !c.start.After(to) {
			started = append(started, c)
		}
	}
	most := 0
	for _, c := range started {
		n := 0
		for _, d := range started {
			if !d.start.After(c.start) && c.start.Before(d.end) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// observer records what the inbox reports.
type observer struct {
	mu        sync.Mutex
	committed int
	commits   []commit
	processed map[string]int // outcome → count
	retried   int
	waited    int
	shared    int
	hold      chan struct{} // the next Committed waits until it is closed
}

// commit is one group commit as the inbox reported it.
type commit struct {
	queued       []time.Duration
	write, flush time.Duration
}

func newObserver() *observer { return &observer{processed: map[string]int{}} }

func (o *observer) Committed(queued []time.Duration, write, flush time.Duration) {
	o.mu.Lock()
	o.committed += len(queued)
	o.commits = append(o.commits, commit{queued: queued, write: write, flush: flush})
	hold := o.hold
	o.hold = nil
	o.mu.Unlock()
	if hold != nil {
		<-hold
	}
}

// holdNextCommit makes the next Committed wait until release is called:
// the inbox hears of a commit once it is durable, just before answering
// its webhooks, so the hold stands for a flush that takes long.
func (o *observer) holdNextCommit() (release func()) {
	hold := make(chan struct{})
	o.mu.Lock()
	o.hold = hold
	o.mu.Unlock()
	return func() { close(hold) }
}
func (o *observer) Attempted(string, string, time.Duration) {}
func (o *observer) Processed(_, outcome string) {
	o.mu.Lock()
	o.processed[outcome]++
	o.mu.Unlock()
}
func (o *observer) Retried(string)         { o.mu.Lock(); o.retried++; o.mu.Unlock() }
func (o *observer) WaitedForPlugin(string) { o.mu.Lock(); o.waited++; o.mu.Unlock() }
func (o *observer) SharedLookup(string)    { o.mu.Lock(); o.shared++; o.mu.Unlock() }

func (o *observer) snapshot() observer {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := map[string]int{}
	for k, v := range o.processed {
		p[k] = v
	}
	return observer{committed: o.committed, commits: slices.Clone(o.commits), processed: p, retried: o.retried, waited: o.waited, shared: o.shared}
}
