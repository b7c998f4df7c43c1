package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
)

// consolePages is how many pages are timed, after as many to warm up.
const consolePages = 200

// consolePaths are the console's pages timed: the newest 50 events, and
// the newest 50 of one status.
var consolePaths = []string{"/ui/events", "/ui/events?status=dead"}

// consoleTimes are the timings of each of consolePaths.
type consoleTimes [][]time.Duration

// timeConsole times the console's events page, 50 events, on the
// end-to-end hub once its store holds historySize events: signed in as a
// browser is, timed by the client from request to the page's last byte.
func timeConsole(ctx context.Context, hub *harness.Hub) (consoleTimes, error) {
	progress("  console: %d pages of each of %d views", 2*consolePages, len(consolePaths))
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

// storeEvents adds n finished events of contacts to a store, in turn,
// one in a hundred dead, a thousand to a transaction; their times lie in
// the past.
func storeEvents(ctx context.Context, st *store.Store, n int, contacts []contact) error {
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
			c := contacts[i%len(contacts)]
			evs = append(evs, &store.Event{CRM: "klicktipp", Action: "update_tags", Method: "POST",
				ContentType: "application/x-www-form-urlencoded", Body: []byte("SubscriberID=" + c.id),
				Decoded: true, ContactID: c.id, Email: c.email,
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
