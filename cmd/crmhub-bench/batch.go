package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
)

// batchSize is how many contacts one HubSpot request carries.
const batchSize = 100

// firstHubSpotContact is the id of the first contact in the fake HubSpot.
const firstHubSpotContact = 2001

// batchRoles are the role parameters of the update rounds, one a round:
// items of one contact in requests pending together are coalesced unless
// something tells them apart, and update uses role, so each is one a
// webhook may assign.
var batchRoles = []string{"", "subscriber", "customer", "member"}

// hubspotEventIDs numbers the events sent, as HubSpot gives each its own.
var hubspotEventIDs atomic.Int64

// hubspotBatch is the batch run: o.rounds updates of every contact, 100
// to a request.
type hubspotBatch struct {
	batch
	requests int
}

// measureBatch runs a hub with the HubSpot plugin, which speaks protocol
// 2 (a request of many contacts, an item each), against a fake HubSpot
// holding o.batch contacts. It creates their users with requests of
// batchSize contact.creation events (action=add; not timed, add has its
// own row), then sends o.rounds contact.propertyChange events per contact,
// batchSize to a signed request, all at once, and times them from the
// first request sent until every item is final.
func measureBatch(ctx context.Context, bins harness.Binaries, kind storeKind, o options) (hubspotBatch, error) {
	requests := o.batch / batchSize
	if requests == 0 {
		return hubspotBatch{}, fmt.Errorf("-batch %d is less than one request of %d", o.batch, batchSize)
	}
	db, err := newDatabase(ctx, kind, o.pgURL)
	if err != nil {
		return hubspotBatch{}, err
	}
	defer db.drop()
	fake := harness.StartHubSpot()
	defer fake.Close()
	seedHubSpot(fake, requests*batchSize)

	hub, err := harness.Start(ctx, bins, harness.Config{Dir: db.dir, Database: db.url, LogLevel: "warn",
		Pprof: o.pprof(), CRMs: map[string]harness.CRM{"hubspot": fake.CRM(o.hubspot)}})
	if err != nil {
		return hubspotBatch{}, err
	}
	defer stopHub(hub)
	if err := waitPlugin(ctx, hub, "hubspot"); err != nil {
		return hubspotBatch{}, err
	}
	st, err := store.Open(ctx, db.url)
	if err != nil {
		return hubspotBatch{}, err
	}
	defer st.Close()

	progress("  batch: creating %d HubSpot users, %d to a request", requests*batchSize, batchSize)
	created, err := sendAndApply(ctx, st, hubspotLoad(hub, o, requests, requests, "contact.creation", "add"), requests*batchSize)
	if err != nil {
		return hubspotBatch{}, fmt.Errorf("create HubSpot users: %w", err)
	}
	if msg := batchFailure(created); msg != "" {
		return hubspotBatch{}, fmt.Errorf("create HubSpot users: %s", msg)
	}

	n := requests * o.rounds
	progress("  batch: %d requests of %d contact.propertyChange", n, batchSize)
	profiled := profileRow(ctx, o, hub, kind, "batch", burstProfile)
	defer profiled()
	updated, err := sendAndApply(ctx, st, hubspotLoad(hub, o, n, requests, "contact.propertyChange", ""), n*batchSize)
	return hubspotBatch{batch: updated, requests: n}, err
}

// seedHubSpot adds n contacts, each on a static list, to the fake.
func seedHubSpot(fake *harness.HubSpot, n int) {
	fake.AddList("7", "Customers", fakehubspot.Manual)
	for i := range n {
		fake.AddContact(fakehubspot.Contact{ID: strconv.Itoa(firstHubSpotContact + i), Lists: []string{"7"},
			Properties: map[string]string{"email": fmt.Sprintf("hubspot%06d@example.com", i), "firstname": "Kim", "lastname": "Bench"}})
	}
}

// hubspotLoad sends n signed HubSpot requests at once, each of batchSize
// events of subscription: request i carries the contacts of its round
// (every perRound requests carry each contact once). action is the URL's
// ("" for update).
func hubspotLoad(hub *harness.Hub, o options, n, perRound int, subscription, action string) harness.Load {
	return harness.Load{Connections: min(o.connections, n), Count: n, Request: func(ctx context.Context, i int) (*http.Request, error) {
		round, first := i/perRound, (i%perRound)*batchSize
		events := make([]map[string]any, batchSize)
		for k := range events {
			events[k] = harness.HubSpotEvent(hubspotEventIDs.Add(1), subscription, int64(firstHubSpotContact+first+k))
			events[k]["propertyName"] = "firstname"
		}
		body, err := json.Marshal(events)
		if err != nil {
			return nil, fmt.Errorf("HubSpot events: %w", err)
		}
		query := url.Values{}
		if action != "" {
			query.Set("action", action)
		}
		if role := batchRoles[round%len(batchRoles)]; role != "" {
			query.Set("role", role)
		}
		return hub.HubSpotRequest(ctx, query, body, harness.SignedV3(harness.HubSpotClientSecret, body, time.Now()))
	}}
}
