package durability_test

import (
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

var _ = Describe("Three hubs started together on one PostgreSQL", Label("postgres"), func() {
	var st *store.Store
	var dbURL string

	BeforeEach(func(ctx SpecContext) {
		storetest.Get(ctx, store.Postgres) // skips, or fails under CRMHUBTEST_REQUIRE_PG=1, without a server
		// A database nobody migrated: the three hubs race to do it.
		name, u, err := storetest.CreatePGDatabase(ctx)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(storetest.DropPGDatabase, name)
		dbURL = u
		st, err = store.Open(ctx, u)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	It("share the work: every item of every request ends done, one contact at a time, with no duplicate user", func(ctx SpecContext) {
		kt := harness.StartKlickTipp()
		DeferCleanup(kt.Close)
		// Half the webhooks are KlickTipp's, half name two to four of 60
		// test contacts each; every fifth of those waits for its outcome.
		m := mixed{single: traffic{contacts: seedContacts(kt, 100)}, contacts: 60, waitEvery: 5}
		// Slow answers widen every call, so two at once for one contact
		// could not slip through unseen. The test plugins of the three
		// hubs log their calls to one file.
		kt.Inject(fakeklicktipp.Slow("GET /subscriber/", 0, 5*time.Millisecond))
		dir := GinkgoT().TempDir()
		callLog := filepath.Join(dir, "test-crm-calls.log")

		hubs, err := harness.StartReplicas(ctx, bins, harness.Config{Dir: dir, Database: dbURL, MaxConnections: replicaConnections, KlickTipp: kt,
			TestPlugin: testPlugin, TestSettings: map[string]string{"call_log": callLog, "get_delay": "5ms"}}, 3)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			reportLogs(hubs...)
			for _, h := range hubs {
				Expect(h.Stop()).To(Succeed())
			}
		})
		waitForPlugins(ctx, hubs...)
		m.single.key = hubs[0].Config.AccessKey

		By("sending 1,500 webhooks, each hub a third of them")
		acks := newAcked()
		results := make([]harness.Result, len(hubs))
		var wg sync.WaitGroup
		for k, hub := range hubs {
			// Each hub gets every third webhook: index i of its load is
			// webhook i*3+k of the run.
			load := harness.Load{URL: hub.URL, Connections: 4, Count: 500,
				Hook:     func(i int) harness.Hook { return m.hook(i*len(hubs) + k) },
				OnAnswer: func(s harness.Shot) { s.Index = s.Index*len(hubs) + k; acks.record(s) }}
			wg.Go(func() { results[k] = load.Run(ctx) })
		}
		wg.Wait()
		for _, r := range results {
			Expect(r.OK).To(Equal(500), "every webhook is acknowledged: %v", r.Statuses)
		}
		Expect(acks.trouble()).To(BeEmpty())
		ids := acks.all()
		Eventually(ctx, func() []string { return unsettled(ctx, st, ids) }).WithPolling(time.Second).Should(BeEmpty())
		Expect(itemTrouble(ctx, st, m, ids)).To(BeEmpty())
		finals := acks.answered()
		Expect(len(finals)).To(BeNumerically(">", 10), "waits answered with requests' final outcomes")
		Expect(earlyFinals(ctx, st, m, ids, finals)).To(BeEmpty())

		By("checking that no two calls about one contact overlapped")
		byContact := map[string][]fakeklicktipp.Call{}
		for _, c := range kt.Calls() {
			if c.Subscriber != "" {
				byContact[c.Subscriber] = append(byContact[c.Subscriber], c)
			}
		}
		Expect(byContact).To(HaveLen(len(m.single.contacts)))
		for id, calls := range byContact {
			for i := range calls {
				for j := i + 1; j < len(calls); j++ {
					Expect(calls[i].Overlaps(calls[j])).To(BeFalse(), "contact %s: %s %s at %s and %s %s at %s",
						id, calls[i].Method, calls[i].Path, calls[i].Start.Format(time.StampMicro),
						calls[j].Method, calls[j].Path, calls[j].Start.Format(time.StampMicro))
				}
			}
		}
		testCalls, err := testplugin.ReadCalls(callLog)
		Expect(err).NotTo(HaveOccurred())
		byTestContact := map[string][]testplugin.Call{}
		for _, c := range testCalls {
			byTestContact[c.ContactID] = append(byTestContact[c.ContactID], c)
		}
		Expect(byTestContact).To(HaveLen(m.contacts))
		pids := map[int]bool{}
		for id, calls := range byTestContact {
			for i := range calls {
				pids[calls[i].PID] = true
				for j := i + 1; j < len(calls); j++ {
					Expect(calls[i].Overlaps(calls[j])).To(BeFalse(), "test contact %s: calls by plugin %d at %s and by %d at %s",
						id, calls[i].PID, calls[i].Start.Format(time.StampMicro), calls[j].PID, calls[j].Start.Format(time.StampMicro))
				}
			}
		}
		Expect(pids).To(HaveLen(len(hubs)), "every hub's test plugin fetched contacts")
		expectUsers(ctx, st, m.added(ids))

		By("checking that every hub took its share")
		var leases []string
		Expect(st.DB().NewSelect().Model((*store.EventAttempt)(nil)).ColumnExpr("DISTINCT owner").Scan(ctx, &leases)).To(Succeed())
		owners := map[string]bool{}
		for _, lease := range leases {
			owner, _, _ := strings.Cut(lease, "/") // a claim's lease: its hub's name, a slash, a token
			owners[owner] = true
		}
		Expect(owners).To(HaveLen(len(hubs)))
	})
})
