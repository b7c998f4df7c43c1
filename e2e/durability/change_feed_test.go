package durability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

// feedReader follows the change feed through several hubs in turn, as an
// app behind a load balancer would, and notes where it read each change:
// which hub answered, after which cursor.
type feedReader struct {
	hubs   []*harness.Hub
	cursor string
	reads  map[int64][]string
	total  int
}

// readOnce reads one page from the next hub and reports how many changes
// it held.
func (f *feedReader) readOnce(ctx context.Context, turn int) (int, error) {
	hub := f.hubs[turn%len(f.hubs)]
	reply, err := hub.API(ctx, "GET", "/changes?limit=50&wait=1s&after="+f.cursor)
	if err != nil {
		return 0, err
	}
	// An error's body has no next_cursor: reading on from "" would start
	// the feed over.
	if reply.Status != http.StatusOK {
		return 0, fmt.Errorf("read the feed on %s: answer %d: %s", hub.Addr, reply.Status, reply.Body)
	}
	var page struct {
		Items []struct {
			Cursor string `json:"cursor"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	if err := reply.Decode(&page); err != nil {
		return 0, err
	}
	for _, it := range page.Items {
		_, idText, _ := strings.Cut(it.Cursor, "-")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return 0, err
		}
		f.reads[id] = append(f.reads[id], fmt.Sprintf("%s from %s after %q", it.Cursor, hub.Addr, f.cursor))
		f.total++
	}
	f.cursor = page.NextCursor
	return len(page.Items), nil
}

var _ = Describe("The change feed of three hubs on one PostgreSQL under load", Label("postgres"), func() {
	It("hands every change to a reader exactly once, whichever hub it asks", func(ctx SpecContext) {
		db := storetest.Get(ctx, store.Postgres)
		Expect(storetest.Empty(ctx, db.Store())).To(Succeed())
		kt := harness.StartKlickTipp()
		DeferCleanup(kt.Close)
		t := traffic{contacts: seedContacts(kt, 150)}
		hubs, err := harness.StartReplicas(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(),
			MaxConnections: replicaConnections, KlickTipp: kt}, 3)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			reportLogs(hubs...)
			for _, h := range hubs {
				Expect(h.Stop()).To(Succeed())
			}
		})
		t.key = hubs[0].Config.AccessKey

		// Tags change while the webhooks go in, so later ones change users.
		loadCtx, stopChurn := context.WithCancel(ctx)
		var churn sync.WaitGroup
		churn.Go(func() {
			tagSets := [][]string{{"11"}, {"11", "12"}, {"12"}}
			for loadCtx.Err() == nil {
				c := t.contacts[rand.IntN(len(t.contacts))]
				_ = kt.SetTags(c.id, tagSets[rand.IntN(len(tagSets))], nil)
				time.Sleep(2 * time.Millisecond)
			}
		})

		reader := &feedReader{hubs: hubs, reads: map[int64][]string{}}
		readerDone := make(chan error, 1)
		go func() {
			for turn := 0; loadCtx.Err() == nil; turn++ {
				if _, err := reader.readOnce(ctx, turn); err != nil {
					readerDone <- err
					return
				}
			}
			readerDone <- nil
		}()

		By("sending 1,200 webhooks, each hub a third of them, while the reader follows the feed")
		acks := newAcked()
		var wg sync.WaitGroup
		for k, hub := range hubs {
			load := harness.Load{URL: hub.URL, Connections: 4, Count: 400, OnAnswer: acks.record,
				Hook: func(i int) harness.Hook { return t.hook(i*len(hubs) + k) }}
			wg.Go(func() { load.Run(ctx) })
		}
		wg.Wait()
		ids := acks.all()
		Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).WithTimeout(3 * time.Minute).Should(BeEmpty())
		stopChurn()
		churn.Wait()
		Expect(<-readerDone).To(Succeed())

		By("reading on until the reader has every change the store holds")
		var changes []store.Change
		Expect(db.Store().DB().NewSelect().Model(&changes).Scan(ctx)).To(Succeed())
		Expect(len(changes)).To(BeNumerically(">", len(t.contacts)), "user.created for each contact, and updates")
		turn := 0
		Eventually(func() int {
			_, err := reader.readOnce(ctx, turn)
			Expect(err).NotTo(HaveOccurred())
			turn++
			return len(reader.reads)
		}).WithTimeout(time.Minute).Should(Equal(len(changes)))
		for id, places := range reader.reads {
			Expect(places).To(HaveLen(1), "change %d read more than once", id)
		}
		raw, _ := json.Marshal(reader.total)
		AddReportEntry("changes read", string(raw))
	})
})
