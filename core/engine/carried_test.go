package engine_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("a contact the webhook carried, or the CRM's", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s   *store.Store
			crm *fakeCRM
			eng *engine.Engine
		)
		BeforeEach(func() {
			s = db.Store()
			crm = newFakeCRM()
			// The CRM would say otherwise: the carried contact must win.
			crm.put("klicktipp", contact("70", "crm@example.com"))
			eng = engine.New(baseConfig(), crm, s, testBox(), nil)
		})
		apply := func(ctx context.Context, action, role string, c *sdk.Contact) engine.Result {
			res, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: action, ContactID: "70", Role: role, Contact: c}, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return res
		}

		It("is applied as it is, without asking the CRM", func(ctx SpecContext) {
			carried := contact("70", "carried@example.com", tag("5", "buyer"))
			res := apply(ctx, engine.ActionAdd, "", &carried)
			Expect(res.Outcome).To(Equal(engine.Created))
			Expect(crm.gets).To(BeZero())
			Expect(userByEmail(ctx, s, "carried@example.com")).NotTo(BeNil())
			Expect(tagNames(ctx, s, res.UserID, "klicktipp")).To(ConsistOf("buyer"))
			Expect(res.Fetched).To(BeNil(), "nothing was fetched")
		})

		It("reports the contact it fetched when the event carried none, and none when the CRM had none", func(ctx SpecContext) {
			res := apply(ctx, engine.ActionAdd, "", nil)
			Expect(res.Outcome).To(Equal(engine.Created))
			Expect(crm.gets).To(Equal(1))
			Expect(res.Fetched).To(PointTo(HaveField("Email", "crm@example.com")))

			res, err := eng.Apply(ctx, engine.Event{ID: 2, CRM: "klicktipp", Action: engine.ActionUpdate, ContactID: "71"}, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Outcome).To(Equal(engine.ContactNotFound))
			Expect(res.Fetched).To(BeNil())
		})

		It("keeps every other rule: add still needs an e-mail, and a privileged role is never granted", func(ctx SpecContext) {
			noEmail := contact("70", "")
			Expect(apply(ctx, engine.ActionAdd, "", &noEmail).Outcome).To(Equal(engine.InvalidPayload))

			carried := contact("70", "carried@example.com")
			res := apply(ctx, engine.ActionAdd, "administrator", &carried)
			Expect(res.Outcome).To(Equal(engine.Created))
			u, err := s.UserByID(ctx, res.UserID)
			Expect(err).NotTo(HaveOccurred())
			Expect(u.Role).To(Equal("subscriber"))
			Expect(crm.gets).To(BeZero())
		})
	})
})
