package engine_test

import (
	"context"
	"encoding/json"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var errBoom = errors.New("boom")

var _ = Describe("user events for applications", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s   *store.Store
			crm *fakeCRM
			cfg engine.Config
		)
		BeforeEach(func() {
			s = db.Store()
			crm = newFakeCRM()
			cfg = baseConfig()
			cfg.Apps = []engine.AppConfig{{Name: "shop"}, {Name: "newsletter", Events: []string{message.UserCreated}}}
		})
		apply := func(ctx context.Context, action string, c sdk.Contact) engine.Result {
			crm.put("klicktipp", c)
			res, err := engine.New(cfg, crm, s, testBox(), nil).Apply(ctx,
				engine.Event{ID: 7, CRM: "klicktipp", Action: action, ContactID: c.ID}, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return res
		}
		changes := func(ctx context.Context, userID int64) ([]store.Change, []message.Data) {
			rows, err := s.ChangesOf(ctx, userID)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			data := make([]message.Data, len(rows))
			for i, r := range rows {
				ExpectWithOffset(1, json.Unmarshal([]byte(r.Data), &data[i])).To(Succeed())
			}
			return rows, data
		}
		deliveries := func(ctx context.Context, userID int64) map[string]int {
			rows, _, err := s.ListDeliveries(ctx, store.DeliveryFilter{UserID: userID}, store.Page{Limit: 100})
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			byApp := map[string]int{}
			for _, d := range rows {
				byApp[d.App]++
			}
			return byApp
		}

		It("writes user.created with the new user, what was set and its cause, for every app", func(ctx SpecContext) {
			c := contact("1", "anna@example.com", tag("10", "Kunde"))
			c.Fields = map[string]string{"fieldFirstName": "Anna", "fieldPhone": "0301234"}
			res := apply(ctx, engine.ActionAdd, c)

			rows, data := changes(ctx, res.UserID)
			Expect(rows).To(HaveLen(1))
			Expect(rows[0].Type).To(Equal(message.UserCreated))
			d := data[0]
			Expect(d.Sequence).To(BeEquivalentTo(1))
			Expect(d.User.Email).To(Equal("anna@example.com"))
			Expect(d.User.FirstName).To(Equal("Anna"))
			Expect(d.User.Tags).To(Equal([]message.Tag{{CRM: "klicktipp", ID: "10", Name: "Kunde"}}))
			Expect(d.User.Contacts).To(Equal([]message.Contact{{CRM: "klicktipp", ContactID: "1"}}))
			Expect(d.Changes.Email).To(Equal(&message.Value{Old: "", New: "anna@example.com"}))
			Expect(d.Changes.Role).To(Equal(&message.Value{Old: "", New: "subscriber"}))
			Expect(d.Changes.FirstName).To(Equal(&message.Value{Old: "", New: "Anna"}))
			Expect(d.Changes.Fields).To(Equal(map[string]message.Value{"phone": {Old: "", New: "0301234"}}))
			Expect(d.Changes.Tags).To(HaveKeyWithValue("klicktipp", &message.TagChanges{Added: []message.TagRef{{ID: "10", Name: "Kunde"}}}))
			Expect(d.Changes.Links.Added).To(Equal([]message.Contact{{CRM: "klicktipp", ContactID: "1"}}))
			Expect(d.Cause).To(Equal(message.Cause{EventID: "7", CRM: "klicktipp", ContactID: "1", Action: "add"}))
			Expect(deliveries(ctx, res.UserID)).To(Equal(map[string]int{"shop": 1, "newsletter": 1}))
		})

		It("writes user.updated saying what changed, with a rising sequence, only for the apps that want it", func(ctx SpecContext) {
			c := contact("1", "anna@example.com", tag("10", "Kunde"), tag("11", "Interessent"))
			res := apply(ctx, engine.ActionAdd, c)

			c = contact("1", "anna@example.com", tag("10", "Kunde"), tag("12", "VIP"))
			c.Fields = map[string]string{"fieldLastName": "Schmidt"}
			apply(ctx, engine.ActionUpdate, c)

			rows, data := changes(ctx, res.UserID)
			Expect(rows).To(HaveLen(2))
			Expect(rows[1].Type).To(Equal(message.UserUpdated))
			d := data[1]
			Expect(d.Sequence).To(BeEquivalentTo(2))
			Expect(d.Changes.LastName).To(Equal(&message.Value{Old: "", New: "Schmidt"}))
			Expect(d.Changes.Tags["klicktipp"]).To(Equal(&message.TagChanges{
				Added: []message.TagRef{{ID: "12", Name: "VIP"}}, Removed: []message.TagRef{{ID: "11", Name: "Interessent"}}}))
			Expect(d.Changes.Email).To(BeNil())
			Expect(d.Changes.Links).To(BeNil())
			Expect(d.User.LastName).To(Equal("Schmidt"))
			Expect(deliveries(ctx, res.UserID)).To(Equal(map[string]int{"shop": 2, "newsletter": 1}))
		})

		It("writes nothing when the event changed nothing", func(ctx SpecContext) {
			c := contact("1", "anna@example.com", tag("10", "Kunde"))
			res := apply(ctx, engine.ActionAdd, c)
			apply(ctx, engine.ActionUpdate, c)
			apply(ctx, engine.ActionUpdateTags, c)

			rows, _ := changes(ctx, res.UserID)
			Expect(rows).To(HaveLen(1))
			Expect(deliveries(ctx, res.UserID)).To(Equal(map[string]int{"shop": 1, "newsletter": 1}))
		})

		It("reports a link replaced by a contact found by e-mail, and a changed role", func(ctx SpecContext) {
			res := apply(ctx, engine.ActionAdd, contact("1", "anna@example.com"))
			crm.put("klicktipp", contact("2", "anna@example.com"))
			_, err := engine.New(cfg, crm, s, testBox(), nil).Apply(ctx,
				engine.Event{CRM: "klicktipp", Action: engine.ActionUpdate, ContactID: "2", Role: "customer"}, nil)
			Expect(err).NotTo(HaveOccurred())

			_, data := changes(ctx, res.UserID)
			Expect(data).To(HaveLen(2))
			Expect(data[1].Changes.Links.Replaced).To(Equal([]message.ReplacedLink{{CRM: "klicktipp", OldContactID: "1", ContactID: "2"}}))
			Expect(data[1].Changes.Role).To(Equal(&message.Value{Old: "subscriber", New: "customer"}))
			Expect(data[1].Cause.EventID).To(BeEmpty())
		})

		It("writes the change feed but queues no delivery when no app is pushed events", func(ctx SpecContext) {
			cfg.Apps = nil
			res := apply(ctx, engine.ActionAdd, contact("1", "anna@example.com"))
			rows, _ := changes(ctx, res.UserID)
			Expect(rows).To(HaveLen(1))
			Expect(deliveries(ctx, res.UserID)).To(BeEmpty())
		})

		It("writes no user event when the event's transaction fails", func(ctx SpecContext) {
			crm.put("klicktipp", contact("1", "anna@example.com"))
			_, err := engine.New(cfg, crm, s, testBox(), nil).Apply(ctx,
				engine.Event{CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "1"},
				func(context.Context, *store.Tx, engine.Result) error { return errBoom })
			Expect(err).To(MatchError(errBoom))
			Expect(count(ctx, s, (*store.Change)(nil))).To(BeZero())
			Expect(count(ctx, s, (*store.AppDelivery)(nil))).To(BeZero())
		})
	})
})
