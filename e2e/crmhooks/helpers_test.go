package crmhooks_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
)

// final holds for an event status no worker will change.
var final = BeElementOf("done", "failed", "dead")

// startHub starts a hub on cfg, stopped when the spec ends, and waits for
// the plugins of crms to run.
func startHub(ctx context.Context, cfg harness.Config, crms ...string) *harness.Hub {
	GinkgoHelper()
	hub, err := harness.Start(ctx, bins, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			AddReportEntry("hub log", hub.LogTail(120))
		}
		Expect(hub.Stop()).To(Succeed())
	})
	for _, crm := range crms {
		Expect(hub.WaitForPlugin(ctx, crm, "running")).To(Succeed())
	}
	return hub
}

// sender sends a request, as a harness builder returns it, to the hub.
func sender(hub *harness.Hub) func(req *http.Request, err error) harness.Reply {
	return func(req *http.Request, err error) harness.Reply {
		GinkgoHelper()
		Expect(err).NotTo(HaveOccurred())
		reply, err := hub.Do(req)
		Expect(err).NotTo(HaveOccurred())
		return reply
	}
}

// events lists a CRM's events, items of requests of several included.
func events(ctx context.Context, hub *harness.Hub, crm string) []harness.Outcome {
	GinkgoHelper()
	list, err := hub.Events(ctx, url.Values{"crm": {crm}})
	Expect(err).NotTo(HaveOccurred())
	return list
}

// users lists a CRM's users.
func users(ctx context.Context, hub *harness.Hub, crm string) []harness.User {
	GinkgoHelper()
	list, err := hub.Users(ctx, url.Values{"crm": {crm}})
	Expect(err).NotTo(HaveOccurred())
	return list
}

// event shows one event, with its items when it is a request of several.
func event(ctx context.Context, hub *harness.Hub, id string) harness.EventDetail {
	GinkgoHelper()
	ev, err := hub.Event(ctx, id)
	Expect(err).NotTo(HaveOccurred())
	return ev
}

// stamps are what the admin API says of a row beside its outcome.
type stamps struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// userStamps maps each user's id to its updated_at, as GET /api/v1/users
// shows it.
func userStamps(ctx context.Context, hub *harness.Hub) map[string]time.Time {
	GinkgoHelper()
	reply, err := hub.API(ctx, http.MethodGet, "/users?limit=500")
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
	var page harness.List[stamps]
	Expect(reply.Decode(&page)).To(Succeed())
	out := map[string]time.Time{}
	for _, u := range page.Items {
		out[u.ID] = u.UpdatedAt
	}
	return out
}

// eventStamps is an event's row in GET /api/v1/events.
func eventStamps(ctx context.Context, hub *harness.Hub, crm, id string) stamps {
	GinkgoHelper()
	reply, err := hub.API(ctx, http.MethodGet, "/events?limit=500&crm="+url.QueryEscape(crm))
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
	var page harness.List[stamps]
	Expect(reply.Decode(&page)).To(Succeed())
	for _, s := range page.Items {
		if s.ID == id {
			return s
		}
	}
	Fail("event " + id + " is not listed")
	return stamps{}
}

// changes are the change feed's entries (GET /api/v1/changes), by type,
// read from the oldest kept.
func changes(ctx context.Context, hub *harness.Hub) []string {
	GinkgoHelper()
	reply, err := hub.API(ctx, http.MethodGet, "/changes?limit=1000")
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
	var page harness.List[struct {
		Type string `json:"type"`
	}]
	Expect(reply.Decode(&page)).To(Succeed())
	types := make([]string, len(page.Items))
	for i, c := range page.Items {
		types[i] = c.Type
	}
	return types
}

// ageReceipt moves the receipt of a request and of its items back by d,
// in the store itself, as if it had been received that long ago.
func ageReceipt(ctx context.Context, st *store.Store, requestID string, d time.Duration) {
	GinkgoHelper()
	id, err := strconv.ParseInt(requestID, 10, 64)
	Expect(err).NotTo(HaveOccurred())
	var rows []store.Event
	Expect(st.DB().NewSelect().Model(&rows).Where("id = ? OR request_id = ?", id, id).Scan(ctx)).To(Succeed())
	Expect(rows).NotTo(BeEmpty())
	for _, row := range rows {
		_, err := st.DB().NewUpdate().Model((*store.Event)(nil)).
			Set("received_at = ?", row.ReceivedAt.Add(-d)).Where("id = ?", row.ID).Exec(ctx)
		Expect(err).NotTo(HaveOccurred())
	}
}

// metrics is the hub's /metrics page.
func metrics(ctx context.Context, hub *harness.Hub) string {
	GinkgoHelper()
	reply, err := hub.Get(ctx, "/metrics")
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK))
	return string(reply.Body)
}
