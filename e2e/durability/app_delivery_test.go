package durability_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

// appInbox is an application: it verifies every user event with the
// official Standard Webhooks library and notes, per user, the sequences
// in the order they first arrived, dropping repeats by webhook-id.
type appInbox struct {
	wh *standardwebhooks.Webhook

	mu       sync.Mutex
	seen     map[string]bool    // webhook-ids
	byUser   map[string][]int64 // sequences, first arrivals in order
	rejected int
}

func (a *appInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil || a.wh.Verify(body, r.Header) != nil {
		a.rejected++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m struct {
		Data struct {
			User     struct{ ID string } `json:"user"`
			Sequence int64               `json:"sequence"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &m)
	if id := r.Header.Get("webhook-id"); !a.seen[id] {
		a.seen[id] = true
		a.byUser[m.Data.User.ID] = append(a.byUser[m.Data.User.ID], m.Data.Sequence)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *appInbox) messageIDs() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]bool, len(a.seen))
	for id := range a.seen {
		out[id] = true
	}
	return out
}

var _ = Describe("A hub killed with SIGKILL while it pushes user events", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("loses none: the app gets every user event, each user's in order", func(ctx SpecContext) {
			const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
			wh, err := standardwebhooks.NewWebhook(secret)
			Expect(err).NotTo(HaveOccurred())
			app := &appInbox{wh: wh, seen: map[string]bool{}, byUser: map[string][]int64{}}
			srv := httptest.NewServer(app)
			DeferCleanup(srv.Close)

			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			t := traffic{contacts: seedContacts(kt, 100)}
			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt,
				Lease:    3 * time.Second,
				Apps:     map[string]harness.App{"shop": {URL: srv.URL, Secret: secret}},
				Delivery: harness.Delivery{BackoffInitial: 200 * time.Millisecond, BackoffMax: time.Second, MaxAttempts: 100, Timeout: 2 * time.Second}})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })
			t.key = hub.Config.AccessKey

			acks := newAcked()
			load := harness.Load{URL: hub.URL, Connections: 4, Count: 600, Hook: t.hook, OnAnswer: acks.record, Resend: true}
			loadCtx, stopLoad := context.WithCancel(ctx)
			DeferCleanup(stopLoad)
			done := make(chan harness.Result, 1)
			go func() { done <- load.Run(loadCtx) }()

			By("killing the hub once a third of the webhooks are in, then changing every contact's tags")
			Eventually(acks.count).Should(BeNumerically(">=", 200))
			Expect(hub.Kill()).To(Succeed())
			for _, c := range t.contacts {
				Expect(kt.SetTags(c.id, []string{"11", "12"}, nil)).To(Succeed())
			}
			Expect(hub.Restart(ctx)).To(Succeed())
			Eventually(done).WithTimeout(3 * time.Minute).Should(Receive())
			ids := acks.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).WithTimeout(3 * time.Minute).Should(BeEmpty())

			By("changing every contact's tags once more, so each user has a user.updated for certain")
			for _, c := range t.contacts {
				Expect(kt.SetTags(c.id, []string{"12"}, nil)).To(Succeed())
			}
			more := newAcked()
			again := harness.Load{URL: hub.URL, Connections: 4, Count: len(t.contacts), OnAnswer: more.record,
				Hook: func(i int) harness.Hook {
					c := t.contacts[i]
					return harness.Hook{CRM: "klicktipp", Action: "update_tags", Key: t.key, Form: harness.Outbound(c.id, c.email)}
				}}
			Expect(again.Run(ctx).OK).To(Equal(len(t.contacts)))
			moreIDs := more.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), moreIDs) }).WithTimeout(3 * time.Minute).Should(BeEmpty())

			By("waiting until the app has every user event the store holds")
			var changes []store.Change
			Expect(db.Store().DB().NewSelect().Model(&changes).Order("id").Scan(ctx)).To(Succeed())
			Expect(len(changes)).To(BeNumerically(">=", 2*len(t.contacts)), "user.created for each contact, and user.updated after the tag change")
			want := map[string]bool{}
			for _, c := range changes {
				want["msg_"+strconv.FormatInt(c.ID, 10)] = true
			}
			Eventually(app.messageIDs).WithTimeout(3 * time.Minute).Should(Equal(want))

			app.mu.Lock()
			defer app.mu.Unlock()
			Expect(app.rejected).To(BeZero())
			for user, seqs := range app.byUser {
				for i, seq := range seqs {
					Expect(seq).To(BeEquivalentTo(i+1), "user %s's events arrive in order: %v", user, seqs)
				}
			}
		})
	})
})
