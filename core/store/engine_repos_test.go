package store_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// The repositories the sync engine and the outbox build on.
var _ = Describe("engine repositories", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s    *store.Store
			anna *store.User
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			anna = newUser("anna", "anna@example.com")
			Expect(s.CreateUser(ctx, anna)).To(Succeed())
		})

		Describe("contact links", func() {
			It("link a contact to a user, found again by the contact", func(ctx SpecContext) {
				Expect(s.LinkContact(ctx, "klicktipp", "123", anna.ID)).To(BeTrue())
				u, err := s.UserByContact(ctx, "klicktipp", "123")
				Expect(err).NotTo(HaveOccurred())
				Expect(u.ID).To(Equal(anna.ID))
				Expect(s.ContactOf(ctx, anna.ID, "klicktipp")).To(Equal("123"))
			})

			It("lock the user of a contact in a transaction, or say there is none", func(ctx SpecContext) {
				Expect(s.LinkContact(ctx, "klicktipp", "123", anna.ID)).To(BeTrue())
				Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					u, err := tx.LockUserByContact(ctx, "klicktipp", "123")
					Expect(err).NotTo(HaveOccurred())
					Expect(u.Email).To(Equal("anna@example.com"))
					_, err = tx.LockUserByContact(ctx, "klicktipp", "999")
					Expect(err).To(MatchError(store.ErrNotFound))
					return nil
				})).To(Succeed())
			})

			It("refuse, without an error, a contact that is already linked or a second contact of one CRM", func(ctx SpecContext) {
				bob := newUser("bob", "bob@example.com")
				Expect(s.CreateUser(ctx, bob)).To(Succeed())
				Expect(s.LinkContact(ctx, "klicktipp", "123", anna.ID)).To(BeTrue())

				Expect(s.LinkContact(ctx, "klicktipp", "123", bob.ID)).To(BeFalse(), "the contact is anna's")
				Expect(s.LinkContact(ctx, "klicktipp", "456", anna.ID)).To(BeFalse(), "anna has a klicktipp contact")
				Expect(s.LinkContact(ctx, "hubspot", "123", anna.ID)).To(BeTrue(), "another CRM is fine")
				links, err := s.Links(ctx, anna.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(links).To(HaveLen(2))
				Expect(links[0].CRM).To(Equal("hubspot"))
				Expect(links[1].CRM).To(Equal("klicktipp"))
			})

			It("keep the transaction usable after a refused link", func(ctx SpecContext) {
				Expect(s.LinkContact(ctx, "klicktipp", "123", anna.ID)).To(BeTrue())
				Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					linked, err := tx.LinkContact(ctx, "klicktipp", "999", anna.ID)
					Expect(err).NotTo(HaveOccurred())
					Expect(linked).To(BeFalse())
					_, err = tx.UserByID(ctx, anna.ID) // aborted on PostgreSQL if the insert had failed
					return err
				})).To(Succeed())
			})

			It("are removed by UnlinkContact, after which ContactOf finds none", func(ctx SpecContext) {
				Expect(s.LinkContact(ctx, "klicktipp", "123", anna.ID)).To(BeTrue())
				Expect(s.UnlinkContact(ctx, "klicktipp", "123")).To(Succeed())
				_, err := s.ContactOf(ctx, anna.ID, "klicktipp")
				Expect(err).To(MatchError(store.ErrNotFound))
			})
		})

		Describe("creating a user unless taken", func() {
			It("creates a free user and sets its id", func(ctx SpecContext) {
				u := newUser("bob", "bob@example.com")
				Expect(s.CreateUserUnlessTaken(ctx, u)).To(BeTrue())
				Expect(u.ID).NotTo(BeZero())
				Expect(u.EmailKey).To(Equal("bob@example.com"))
			})

			It("reports a taken e-mail (any case) or username as false, keeping the transaction usable", func(ctx SpecContext) {
				Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					Expect(tx.CreateUserUnlessTaken(ctx, newUser("other", "ANNA@example.com"))).To(BeFalse())
					Expect(tx.CreateUserUnlessTaken(ctx, newUser("anna", "new@example.com"))).To(BeFalse())
					Expect(tx.CreateUserUnlessTaken(ctx, newUser("new", "new@example.com"))).To(BeTrue())
					return nil
				})).To(Succeed())
				_, err := s.UserByEmail(ctx, "new@example.com")
				Expect(err).NotTo(HaveOccurred())
			})

			It("creates exactly one of 20 racing creations of one e-mail", func(ctx SpecContext) {
				created := make([]bool, 20)
				var wg sync.WaitGroup
				for i := range created {
					wg.Go(func() {
						defer GinkgoRecover()
						err := s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
							ok, err := tx.CreateUserUnlessTaken(ctx, newUser(fmt.Sprint("racer", i), "race@example.com"))
							created[i] = ok
							return err
						})
						Expect(err).NotTo(HaveOccurred())
					})
				}
				wg.Wait()
				Expect(created).To(ContainElement(true))
				n := 0
				for _, ok := range created {
					if ok {
						n++
					}
				}
				Expect(n).To(Equal(1))
			})
		})

		It("lists usernames by prefix, taking % and _ literally", func(ctx SpecContext) {
			for _, name := range []string{"anna1", "annabel", "hanna", "a_b", "axb", "a%c"} {
				Expect(s.CreateUser(ctx, newUser(name, name+"@example.com"))).To(Succeed())
			}
			Expect(s.UsernamesWithPrefix(ctx, "anna")).To(ConsistOf("anna", "anna1", "annabel"))
			Expect(s.UsernamesWithPrefix(ctx, "a_")).To(ConsistOf("a_b"))
			Expect(s.UsernamesWithPrefix(ctx, "a%")).To(ConsistOf("a%c"))
			Expect(s.UsernamesWithPrefix(ctx, "zoe")).To(BeEmpty())
		})

		It("lists usernames by prefix exactly, byte for byte, whatever their letters", func(ctx SpecContext) {
			for _, name := range []string{"ann", "annb", "Anna2", "jürg", "jürgen", "jürgens", "jürh",
				"ÿa", "Ā", "\ud7ffx", "\ue000"} {
				Expect(s.CreateUser(ctx, newUser(name, fmt.Sprintf("%x@example.com", name)))).To(Succeed())
			}
			Expect(s.UsernamesWithPrefix(ctx, "anna")).To(ConsistOf("anna"), "neither case nor a neighbour")
			Expect(s.UsernamesWithPrefix(ctx, "jürg")).To(ConsistOf("jürg", "jürgen", "jürgens"))
			Expect(s.UsernamesWithPrefix(ctx, "ÿ")).To(ConsistOf("ÿa"), "ÿ's last byte is 0xbf")
			Expect(s.UsernamesWithPrefix(ctx, "\ud7ff")).To(ConsistOf("\ud7ffx"), "the next character is U+E000")
			Expect(s.UsernamesWithPrefix(ctx, "")).To(HaveLen(12))
		})

		It("applies concurrent changes to one locked user one after the other", func(ctx SpecContext) {
			anna.FirstName = "0"
			Expect(s.UpdateUser(ctx, anna)).To(Succeed())
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					defer GinkgoRecover()
					Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
						u, err := tx.LockUser(ctx, anna.ID)
						if err != nil {
							return err
						}
						n, _ := strconv.Atoi(u.FirstName)
						u.FirstName = strconv.Itoa(n + 1)
						return tx.UpdateUser(ctx, u)
					})).To(Succeed())
				})
			}
			wg.Wait()
			u, err := s.UserByID(ctx, anna.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(u.FirstName).To(Equal("10"), "no change was lost")

			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.LockUser(ctx, 424242)
				return err
			})).To(MatchError(store.ErrNotFound))
		})

		It("writes fields by name and leaves the others alone", func(ctx SpecContext) {
			Expect(s.SetFields(ctx, anna.ID, map[string]string{"phone": "123", "city": "Berlin"})).To(Succeed())
			Expect(s.SetFields(ctx, anna.ID, map[string]string{"phone": "456"})).To(Succeed())
			Expect(s.SetFields(ctx, anna.ID, nil)).To(Succeed())
			Expect(s.Fields(ctx, anna.ID)).To(Equal(map[string]string{"phone": "456", "city": "Berlin"}))
		})

		It("reads the tags of one CRM", func(ctx SpecContext) {
			Expect(s.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "2", TagName: "Newsletter"}, {TagID: "1", TagName: "Kunde"}}, nil)).To(Succeed())
			Expect(s.ChangeTags(ctx, anna.ID, "hubspot", []store.UserTag{{TagID: "h", TagName: "Lead"}}, nil)).To(Succeed())
			tags, err := s.CRMTags(ctx, anna.ID, "klicktipp")
			Expect(err).NotTo(HaveOccurred())
			Expect(tags).To(HaveLen(2))
			Expect(tags[0].TagName).To(Equal("Kunde"))
			Expect(tags[1].TagName).To(Equal("Newsletter"))
		})

		Describe("the outbox", func() {
			welcome := func(userID int64) *store.OutboxItem {
				return &store.OutboxItem{Kind: store.OutboxWelcomeMail, UserID: userID, CRM: "klicktipp",
					ContactID: "123", Target: "anna@example.com", Secret: []byte("sealed")}
			}

			It("queues one item of a kind per user, ever", func(ctx SpecContext) {
				Expect(s.QueueOutbox(ctx, welcome(anna.ID))).To(BeTrue())
				Expect(s.QueueOutbox(ctx, welcome(anna.ID))).To(BeFalse())
				ret := &store.OutboxItem{Kind: store.OutboxReturnPassword, UserID: anna.ID, CRM: "klicktipp", ContactID: "123", Target: "fieldPassword"}
				Expect(s.QueueOutbox(ctx, ret)).To(BeTrue())
				items, err := s.OutboxItems(ctx, anna.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(items).To(HaveLen(2))
				Expect(items[0].Status).To(Equal(store.OutboxPending))
			})

			It("claims due items once, counting an attempt, and not those due later", func(ctx SpecContext) {
				now := time.Now()
				Expect(s.QueueOutbox(ctx, welcome(anna.ID))).To(BeTrue())
				later := &store.OutboxItem{Kind: store.OutboxReturnPassword, UserID: anna.ID, CRM: "klicktipp",
					ContactID: "123", Target: "f", NextAttemptAt: now.Add(time.Hour)}
				Expect(s.QueueOutbox(ctx, later)).To(BeTrue())

				claims, err := s.ClaimOutbox(ctx, now.Add(time.Second), now.Add(time.Minute), 10)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveLen(1))
				Expect(claims[0].Kind).To(Equal(store.OutboxWelcomeMail))
				Expect(claims[0].Attempts).To(Equal(1))
				Expect(claims[0].Interrupted).To(BeFalse())
				Expect(claims[0].Secret).To(Equal([]byte("sealed")))

				again, err := s.ClaimOutbox(ctx, now.Add(2*time.Second), now.Add(time.Minute), 10)
				Expect(err).NotTo(HaveOccurred())
				Expect(again).To(BeEmpty(), "a claimed item is not claimed twice")
			})

			It("claims an item again as interrupted when its claim ran out while sending", func(ctx SpecContext) {
				Expect(s.QueueOutbox(ctx, welcome(anna.ID))).To(BeTrue())
				now := time.Now()
				first, err := s.ClaimOutbox(ctx, now, now.Add(time.Minute), 10)
				Expect(err).NotTo(HaveOccurred())
				Expect(first).To(HaveLen(1))

				claims, err := s.ClaimOutbox(ctx, now.Add(2*time.Minute), now.Add(3*time.Minute), 10)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveLen(1))
				Expect(claims[0].Interrupted).To(BeTrue())
				Expect(claims[0].Attempts).To(Equal(2))
			})

			It("wipes the secret of a sent or failed item and reschedules a retry", func(ctx SpecContext) {
				now := time.Now()
				w := welcome(anna.ID)
				Expect(s.QueueOutbox(ctx, w)).To(BeTrue())
				r := &store.OutboxItem{Kind: store.OutboxReturnPassword, UserID: anna.ID, CRM: "klicktipp", ContactID: "123", Target: "f", Secret: []byte("x")}
				Expect(s.QueueOutbox(ctx, r)).To(BeTrue())

				Expect(s.RescheduleOutbox(ctx, r.ID, now.Add(time.Hour), "plugin down")).To(Succeed())
				Expect(s.MarkOutboxSent(ctx, w.ID)).To(Succeed())
				items, _ := s.OutboxItems(ctx, anna.ID)
				Expect(items[0].Status).To(Equal(store.OutboxSent))
				Expect(items[0].Secret).To(BeNil())
				Expect(items[0].DoneAt).NotTo(BeNil())
				Expect(items[1].Status).To(Equal(store.OutboxPending))
				Expect(items[1].LastError).To(Equal("plugin down"))
				Expect(items[1].NextAttemptAt).To(BeTemporally("~", now.Add(time.Hour), time.Second))

				Expect(s.MarkOutboxFailed(ctx, r.ID, "gave up")).To(Succeed())
				items, _ = s.OutboxItems(ctx, anna.ID)
				Expect(items[1].Status).To(Equal(store.OutboxFailed))
				Expect(items[1].Secret).To(BeNil())
				Expect(items[1].LastError).To(Equal("gave up"))
			})

			It("makes every claimed item due again when told that no other hub is running", func(ctx SpecContext) {
				Expect(s.QueueOutbox(ctx, welcome(anna.ID))).To(BeTrue())
				now := time.Now()
				_, err := s.ClaimOutbox(ctx, now, now.Add(time.Hour), 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(s.ExpireOutboxClaims(ctx)).To(Equal(1))
				claims, err := s.ClaimOutbox(ctx, time.Now(), time.Now().Add(time.Hour), 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveLen(1))
				Expect(claims[0].Interrupted).To(BeTrue())
			})

			It("gives each item to one of several concurrent claimers", func(ctx SpecContext) {
				for i := range 12 {
					u := newUser(fmt.Sprint("u", i), fmt.Sprintf("u%d@example.com", i))
					Expect(s.CreateUser(ctx, u)).To(Succeed())
					Expect(s.QueueOutbox(ctx, welcome(u.ID))).To(BeTrue())
				}
				var mu sync.Mutex
				seen := map[int64]int{}
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						defer GinkgoRecover()
						for {
							claims, err := s.ClaimOutbox(ctx, time.Now(), time.Now().Add(time.Hour), 2)
							Expect(err).NotTo(HaveOccurred())
							if len(claims) == 0 {
								return
							}
							mu.Lock()
							for _, c := range claims {
								seen[c.ID]++
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				Expect(seen).To(HaveLen(12))
				for id, n := range seen {
					Expect(n).To(Equal(1), "item %d claimed %d times", id, n)
				}
			})
		})
	})
})

var _ = DescribeTable("the end of a username prefix's range",
	func(prefix, end string, ok bool) {
		got, gotOK := store.PrefixEnd(prefix)
		Expect(gotOK).To(Equal(ok))
		Expect(got).To(Equal(end))
	},
	Entry("a letter goes up", "anna", "annb", true),
	Entry("a character whose last byte is 0xbf", "jÿ", "jĀ", true),
	Entry("past the surrogates", "\ud7ff", "\ue000", true),
	Entry("the last character, dropped", "a\U0010FFFF", "b", true),
	Entry("a byte that is not UTF-8", "a\xc3", "a\xc4", true),
	Entry("a byte 0xff, dropped", "a\xff", "b", true),
	Entry("nothing after the empty prefix", "", "", false),
	Entry("nothing after the last character", "\U0010FFFF", "", false),
)
