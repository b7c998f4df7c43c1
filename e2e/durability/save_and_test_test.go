package durability_test

import (
	"net/http"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

var _ = Describe("KlickTipp's Save and Test", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("ends failed as contact_not_found with one clear activity line, and is not retried", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })

			hook := hub.Hook("add", harness.Outbound(harness.SaveAndTestID, "test@klicktipp.com")).With("wait", "20s")
			reply, err := hub.Send(ctx, hook)
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusOK), "the outcome is final: %s", reply.Body)
			got, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(And(HaveField("Status", "failed"), HaveField("Outcome", "contact_not_found")))

			id, err := strconv.ParseInt(got.ID, 10, 64)
			Expect(err).NotTo(HaveOccurred())
			lines, err := db.Store().EventActivity(ctx, id)
			Expect(err).NotTo(HaveOccurred())
			notFound := And(ContainSubstring("12345"), ContainSubstring("not found"))
			Expect(lines).To(HaveExactElements(
				HaveField("Message", ContainSubstring("Received add webhook")),
				HaveField("Message", ContainSubstring("Decoded")),
				And(HaveField("Level", store.LevelNotice), HaveField("Message", And(notFound, ContainSubstring("Save and Test")))),
			), "received, decoded, and one clear line: not found, probably a test — no error, no retry")
			Expect(attempts(ctx, db.Store(), id)).To(HaveLen(1))
			Expect(kt.CallCount("GET /subscriber/" + harness.SaveAndTestID)).To(Equal(1))
		})
	})
})
