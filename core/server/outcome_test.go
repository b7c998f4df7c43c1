package server_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

var _ = Describe("the outcome JSON", func() {
	into := int64(40)

	It("shows a merged event of one item with coalesced_into, as always", func() {
		ev := &store.Event{ID: 41, Status: store.StatusDone, Outcome: store.OutcomeCoalesced, CoalescedInto: &into}
		Expect(server.NewEventOutcome(ev)).To(And(HaveField("Status", store.StatusDone),
			HaveField("Outcome", store.OutcomeCoalesced), HaveField("CoalescedInto", "40"), HaveField("Items", BeNil())))
	})

	It("shows a request whose first item was merged with its items' status together, the merge only within items", func() {
		req := &store.Event{ID: 50, ItemCount: 2, Status: store.StatusDone, Outcome: store.OutcomeCoalesced,
			Message: "Merged into event 40.", CoalescedInto: &into}
		first := &store.Event{ID: 50, Status: store.StatusDone, Outcome: "tags_updated", Message: "applied", CoalescedInto: &into}
		second := &store.Event{ID: 51, RequestID: &req.ID, ItemIndex: 1, Status: store.StatusPending}
		req.Items = []*store.Event{first, second}
		out := server.NewEventOutcome(req)
		Expect(out).To(And(HaveField("ID", "50"), HaveField("Status", store.StatusPending), HaveField("CoalescedInto", ""),
			HaveField("Outcome", "tags_updated"), HaveField("Message", "applied")))
		Expect(out.Items).To(HaveExactElements(
			And(HaveField("ID", "50"), HaveField("CoalescedInto", "40"), HaveField("Outcome", "tags_updated")),
			And(HaveField("ID", "51"), HaveField("RequestID", "50"), HaveField("Status", store.StatusPending))))
	})
})
