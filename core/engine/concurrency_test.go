package engine_test

import (
	"context"
	"fmt"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/notify/smtptest"
	"github.com/crmhub/crmhub/core/outbox"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// These specs run Apply concurrently without the inbox's one-contact-at-a-
// time exclusion: the store alone must keep the result right.
var _ = Describe("concurrent events", func() {
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
			cfg.CRMs["klicktipp"] = engine.CRMConfig{Fields: cfg.CRMs["klicktipp"].Fields, ReturnPasswordField: "fieldPassword"}
		})

		// applyAll applies the events at once and returns their results.
		applyAll := func(ctx context.Context, eng *engine.Engine, events []engine.Event) []engine.Result {
			results := make([]engine.Result, len(events))
			var wg sync.WaitGroup
			for i, ev := range events {
				wg.Go(func() {
					defer GinkgoRecover()
					res, err := eng.Apply(ctx, ev, nil)
					Expect(err).NotTo(HaveOccurred(), "a losing event converges, it does not fail")
					results[i] = res
				})
			}
			wg.Wait()
			return results
		}

		It("turn 20 adds of one new contact into one user, one link and one welcome mail", func(ctx SpecContext) {
			c := contact("123", "anna@example.com", tag("1", "Kunde"))
			c.Fields = map[string]string{"fieldFirstName": "Anna"}
			crm.put("klicktipp", c)
			eng := engine.New(cfg, crm, s, testBox(), nil)
			events := make([]engine.Event, 20)
			for i := range events {
				events[i] = engine.Event{ID: int64(i + 1), CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123", SendNotification: true}
			}

			results := applyAll(ctx, eng, events)

			created := 0
			for _, r := range results {
				Expect(r.Outcome).To(BeElementOf(engine.Created, engine.Updated))
				Expect(r.UserID).To(Equal(results[0].UserID))
				if r.Outcome == engine.Created {
					created++
				}
			}
			Expect(created).To(Equal(1))
			Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1))
			Expect(count(ctx, s, (*store.ContactLink)(nil))).To(Equal(1))
			Expect(tagNames(ctx, s, results[0].UserID, "klicktipp")).To(Equal([]string{"Kunde"}))
			items, err := s.OutboxItems(ctx, results[0].UserID)
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(2), "one welcome mail and one password write-back")

			smtp, err := smtptest.Start(smtptest.Options{})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(smtp.Close)
			mailer, err := notify.New(notify.SMTPConfig{Host: smtp.Host, Port: smtp.Port, From: "hub@example.com"}, "")
			Expect(err).NotTo(HaveOccurred())
			worker := outbox.New(s, testBox(), mailer, crm, "https://app.example.com/", nil)
			// Two workers, as two hubs on one database would run.
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					defer GinkgoRecover()
					_, err := worker.DeliverDue(ctx)
					Expect(err).NotTo(HaveOccurred())
				})
			}
			wg.Wait()
			Expect(worker.DeliverDue(ctx)).To(Equal(0))
			Expect(smtp.Mails()).To(HaveLen(1))
			Expect(smtp.Mails()[0].To).To(Equal([]string{"anna@example.com"}))
			Expect(crm.writes()).To(HaveLen(1))
		})

		It("turn adds of two contacts with one e-mail address into one user, linked to one of them", func(ctx SpecContext) {
			crm.put("klicktipp", contact("111", "anna@example.com"))
			crm.put("klicktipp", contact("222", "Anna@Example.com"))
			eng := engine.New(cfg, crm, s, testBox(), nil)
			var events []engine.Event
			for i := range 10 {
				events = append(events, engine.Event{ID: int64(i + 1), CRM: "klicktipp", Action: engine.ActionAdd,
					ContactID: []string{"111", "222"}[i%2]})
			}
			applyAll(ctx, eng, events)
			Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1))
			Expect(count(ctx, s, (*store.ContactLink)(nil))).To(Equal(1))
		})

		It("give 20 new people with one name 20 different usernames", func(ctx SpecContext) {
			cfg.UsernameFormat = engine.UsernameFLName
			eng := engine.New(cfg, crm, s, testBox(), nil)
			var events []engine.Event
			for i := range 20 {
				c := contact(fmt.Sprint(i), fmt.Sprintf("anna%d@example.com", i))
				c.Fields = map[string]string{"fieldFirstName": "Anna", "fieldLastName": "Schmidt"}
				crm.put("klicktipp", c)
				events = append(events, engine.Event{ID: int64(i + 1), CRM: "klicktipp", Action: engine.ActionAdd, ContactID: c.ID})
			}
			applyAll(ctx, eng, events)
			names, err := s.UsernamesWithPrefix(ctx, "annaschmidt")
			Expect(err).NotTo(HaveOccurred())
			want := []string{"annaschmidt"}
			for i := 1; i < 20; i++ {
				want = append(want, fmt.Sprint("annaschmidt", i))
			}
			Expect(names).To(ConsistOf(want))
		})

		It("of one contact, all kinds at once, leave one consistent user", func(ctx SpecContext) {
			crm.put("klicktipp", sdk.Contact{ID: "123", Email: "anna@example.com", Tags: []sdk.Tag{tag("1", "Kunde")},
				Fields: map[string]string{"fieldPhone": "030 1"}})
			eng := engine.New(cfg, crm, s, testBox(), nil)
			var events []engine.Event
			for i, action := range []string{engine.ActionAdd, engine.ActionUpdate, engine.ActionUpdateTags, engine.ActionAdd, engine.ActionUpdate, engine.ActionAdd} {
				events = append(events, engine.Event{ID: int64(i + 1), CRM: "klicktipp", Action: action, ContactID: "123", Role: "customer"})
			}
			applyAll(ctx, eng, events)
			u := userByEmail(ctx, s, "anna@example.com")
			Expect(u.Role).To(Equal("customer"))
			Expect(tagNames(ctx, s, u.ID, "klicktipp")).To(Equal([]string{"Kunde"}))
			Expect(s.Fields(ctx, u.ID)).To(Equal(map[string]string{"phone": "030 1"}))
			Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1))
		})
	})
})
