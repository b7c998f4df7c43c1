package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
)

// Sizes of the console measurement: the events stored, and the pages
// timed after as many to warm up.
const (
	consoleStored = 100_000
	consolePages  = 200
)

// consolePaths are the console's pages timed: the newest 50 events, and
// the newest 50 of one status.
var consolePaths = []string{"/ui/events", "/ui/events?status=dead"}

// consoleTimes are the timings of each of consolePaths.
type consoleTimes [][]time.Duration

// measureConsole times the console's events page, 50 events, over a store
// holding consoleStored events: the hub as its own process, signed in as
// a browser is, timed by the client from request to the page's last byte.
func measureConsole(ctx context.Context, bins harness.Binaries, kind storeKind, o options) (consoleTimes, error) {
	dir, err := os.MkdirTemp("", "crmhub-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := newDatabase(ctx, kind, dir, o.pgURL)
	if err != nil {
		return nil, err
	}
	defer db.drop()
	if err := fillStore(ctx, db.url, consoleStored); err != nil {
		return nil, err
	}
	kt := harness.StartKlickTipp()
	defer kt.Close()
	hub, err := harness.Start(ctx, bins, harness.Config{Dir: dir, Database: db.url, KlickTipp: kt, LogLevel: "warn"})
	if err != nil {
		return nil, err
	}
	defer stopHub(hub)

	client, err := signIn(ctx, hub)
	if err != nil {
		return nil, err
	}
	times := make(consoleTimes, len(consolePaths))
	for i, path := range consolePaths {
		for n := range 2 * consolePages {
			start := time.Now()
			if err := getPage(ctx, client, hub.URL+path); err != nil {
				return nil, err
			}
			if n >= consolePages {
				times[i] = append(times[i], time.Since(start))
			}
		}
		slices.Sort(times[i])
	}
	return times, nil
}

// fillStore makes a new store hold n finished events.
func fillStore(ctx context.Context, dbURL string, n int) error {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	progress("  storing %s events for the console", count(float64(n)))
	return storeEvents(ctx, st, n)
}

// storeEvents adds n finished events to a store, one in a hundred dead,
// a thousand to a transaction. Their contacts (1000000 to 1004999) are
// none the fakes hand out, and their times lie in the past.
func storeEvents(ctx context.Context, st *store.Store, n int) error {
	const batch = 1000
	now := time.Now().UTC()
	for done := 0; done < n; done += batch {
		evs := make([]*store.Event, 0, batch)
		for i := done; i < done+batch && i < n; i++ {
			status, outcome := store.StatusDone, "tags_updated"
			if i%100 == 0 {
				status, outcome = store.StatusDead, "gave_up"
			}
			at := now.Add(time.Duration(i-n) * time.Second)
			id := fmt.Sprint(1_000_000 + i%5000)
			evs = append(evs, &store.Event{CRM: "klicktipp", Action: "update_tags", Method: "POST",
				ContentType: "application/x-www-form-urlencoded", Body: []byte("SubscriberID=" + id),
				Decoded: true, ContactID: id, Email: "contact" + id + "@example.com",
				Status: status, Outcome: outcome, Attempts: 1, ReceivedAt: at, UpdatedAt: at, NextAttemptAt: at, FinishedAt: &at})
		}
		if err := st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, evs) }); err != nil {
			return fmt.Errorf("store finished events: %w", err)
		}
	}
	return nil
}

// signIn signs in to the hub's console with its admin token and returns a
// client holding the session cookie.
func signIn(ctx context.Context, hub *harness.Hub) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	form := url.Values{"token": {hub.Config.AdminToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub.URL+"/ui/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", hub.URL)
	resp, err := client.Do(req) // follows the redirect to the overview
	if err != nil {
		return nil, fmt.Errorf("sign in to the console: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/ui/" {
		return nil, fmt.Errorf("sign in to the console: %s at %s", resp.Status, resp.Request.URL.Path)
	}
	return client, nil
}

// getPage reads a console page to its end; anything but 200 is an error.
func getPage(ctx context.Context, client *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != req.URL.Path {
		return fmt.Errorf("GET %s: %s at %s", u, resp.Status, resp.Request.URL.Path)
	}
	return nil
}
