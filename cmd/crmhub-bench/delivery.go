package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
)

// delivery is how fast one hub pushed user events to an app.
type delivery struct {
	events  int
	elapsed time.Duration // from the first add sent to the last event received
	// lags are, per event, the time from its commit (the message's
	// timestamp) to its arrival at the app.
	lags []time.Duration
}

func (d delivery) perSecond() float64 { return float64(d.events) / d.elapsed.Seconds() }

// appSink is an application that takes every user event at once.
type appSink struct {
	mu    sync.Mutex
	lags  []time.Duration
	ids   map[string]bool
	last  time.Time
	total chan struct{} // closed when want events arrived
	want  int
}

func (a *appSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	var m struct {
		Timestamp time.Time `json:"timestamp"`
	}
	_ = json.Unmarshal(body, &m)
	a.mu.Lock()
	defer a.mu.Unlock()
	if id := r.Header.Get("webhook-id"); !a.ids[id] {
		a.ids[id] = true
		a.lags = append(a.lags, now.Sub(m.Timestamp))
		a.last = now
		if len(a.ids) == a.want {
			close(a.total)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// measureDelivery runs a hub that pushes user events to an app on
// loopback: it creates o.users users (add) and times their user.created
// events from the first webhook sent to the last event received.
func measureDelivery(ctx context.Context, bins harness.Binaries, kind storeKind, o options) (delivery, error) {
	db, err := newDatabase(ctx, kind, o.pgURL)
	if err != nil {
		return delivery{}, err
	}
	defer db.drop()
	kt := harness.StartKlickTipp()
	defer kt.Close()
	contacts := seed(kt, o.users)
	sink := &appSink{ids: map[string]bool{}, total: make(chan struct{}), want: o.users}
	app := httptest.NewServer(sink)
	defer app.Close()

	hub, err := harness.Start(ctx, bins, harness.Config{Dir: db.dir, Database: db.url, KlickTipp: kt, LogLevel: "warn",
		Apps: map[string]harness.App{"bench": {URL: app.URL}}})
	if err != nil {
		return delivery{}, err
	}
	defer stopHub(hub)
	if err := waitPlugin(ctx, hub, "klicktipp"); err != nil {
		return delivery{}, err
	}
	st, err := store.Open(ctx, db.url)
	if err != nil {
		return delivery{}, err
	}
	defer st.Close()

	progress("  apps: creating %d users, each pushed to an app as user.created", o.users)
	start := time.Now()
	load := harness.Load{URL: hub.URL, Connections: o.connections, Count: o.users, Hook: adds(hub, contacts)}
	b, err := sendAndApply(ctx, st, load, o.users)
	if err != nil {
		return delivery{}, err
	}
	if msg := failure(b.sent); msg != "" {
		return delivery{}, fmt.Errorf("adds: %s", msg)
	}
	select {
	case <-sink.total:
	case <-time.After(applyTimeout):
		return delivery{}, fmt.Errorf("%d of %d user events delivered after %s", len(sink.ids), o.users, applyTimeout)
	case <-ctx.Done():
		return delivery{}, ctx.Err()
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	lags := slices.Clone(sink.lags)
	slices.Sort(lags)
	return delivery{events: o.users, elapsed: sink.last.Sub(start), lags: lags}, nil
}
