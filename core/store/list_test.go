package store_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// addEvent stores a webhook event of crm and contact, then forces it into
// status.
func addEvent(ctx context.Context, s *store.Store, crm, contact, status string) *store.Event {
	now := time.Now().UTC()
	ev := &store.Event{CRM: crm, Action: "add", Method: "POST", ContactID: contact, Decoded: contact != "",
		Status: store.StatusReceived, ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
	Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, []*store.Event{ev}) })).To(Succeed())
	if status != store.StatusReceived {
		ev.Status = status
		_, err := s.DB().NewUpdate().Model(ev).Column("status").WherePK().Exec(ctx)
		Expect(err).NotTo(HaveOccurred())
	}
	return ev
}

func ids[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

func userID(u store.User) int64   { return u.ID }
func eventID(e store.Event) int64 { return e.ID }

var _ = Describe("lists for operators", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var s *store.Store
		BeforeEach(func() { s = db.Store() })

		Describe("users", func() {
			var anna, ben, cleo *store.User
			BeforeEach(func(ctx SpecContext) {
				anna, ben, cleo = newUser("anna", "Anna@Example.com"), newUser("ben", "ben@example.com"), newUser("cleo", "cleo@example.com")
				ben.FirstName, ben.LastName = "Benjamin", "Smith"
				for _, u := range []*store.User{anna, ben, cleo} {
					Expect(s.CreateUser(ctx, u)).To(Succeed())
				}
				Expect(s.LinkContact(ctx, "klicktipp", "1001", anna.ID)).To(BeTrue())
				Expect(s.LinkContact(ctx, "klicktipp", "1002", ben.ID)).To(BeTrue())
				Expect(s.LinkContact(ctx, "hubspot", "1001", cleo.ID)).To(BeTrue())
				Expect(s.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "7", TagName: "Customer"}}, nil)).To(Succeed())
				Expect(s.ChangeTags(ctx, cleo.ID, "hubspot", []store.UserTag{{TagID: "c1", TagName: "Customer"}}, nil)).To(Succeed())
				Expect(s.SetFields(ctx, anna.ID, map[string]string{"phone": "+49 1"})).To(Succeed())
			})

			DescribeTable("are filtered",
				func(ctx SpecContext, f store.UserFilter, want func() []*store.User) {
					users, next, err := s.ListUsers(ctx, f, store.Page{Limit: 10})
					Expect(err).NotTo(HaveOccurred())
					Expect(next).To(BeZero())
					wantIDs := []int64{}
					for _, u := range want() {
						wantIDs = append([]int64{u.ID}, wantIDs...) // newest first
					}
					Expect(ids(users, userID)).To(Equal(wantIDs))
				},
				Entry("by nothing: all of them", store.UserFilter{}, func() []*store.User { return []*store.User{anna, ben, cleo} }),
				Entry("by e-mail, ignoring case", store.UserFilter{Email: "anna@EXAMPLE.com"}, func() []*store.User { return []*store.User{anna} }),
				Entry("by CRM", store.UserFilter{CRM: "klicktipp"}, func() []*store.User { return []*store.User{anna, ben} }),
				Entry("by contact id of any CRM", store.UserFilter{ContactID: "1001"}, func() []*store.User { return []*store.User{anna, cleo} }),
				Entry("by contact id of one CRM", store.UserFilter{CRM: "hubspot", ContactID: "1001"}, func() []*store.User { return []*store.User{cleo} }),
				Entry("by tag name", store.UserFilter{Tag: "Customer"}, func() []*store.User { return []*store.User{anna, cleo} }),
				Entry("by tag id", store.UserFilter{Tag: "7"}, func() []*store.User { return []*store.User{anna} }),
				Entry("by tag of one CRM", store.UserFilter{Tag: "Customer", CRM: "hubspot"}, func() []*store.User { return []*store.User{cleo} }),
				Entry("by a part of the username, ignoring case", store.UserFilter{Name: "LEO"}, func() []*store.User { return []*store.User{cleo} }),
				Entry("by a part of the first or last name", store.UserFilter{Name: "smi"}, func() []*store.User { return []*store.User{ben} }),
				Entry("by a name holding a LIKE wildcard, taken literally", store.UserFilter{Name: "%"}, func() []*store.User { return nil }),
				Entry("by filters no user meets", store.UserFilter{Email: "ben@example.com", Tag: "Customer"}, func() []*store.User { return nil }),
			)

			It("are paged newest first, each page continuing where the last ended", func(ctx SpecContext) {
				page1, next, err := s.ListUsers(ctx, store.UserFilter{}, store.Page{Limit: 2})
				Expect(err).NotTo(HaveOccurred())
				Expect(ids(page1, userID)).To(Equal([]int64{cleo.ID, ben.ID}))
				Expect(next).To(Equal(ben.ID))

				late := newUser("dora", "dora@example.com") // arrives between pages: no shift
				Expect(s.CreateUser(ctx, late)).To(Succeed())
				page2, next, err := s.ListUsers(ctx, store.UserFilter{}, store.Page{Limit: 2, After: next})
				Expect(err).NotTo(HaveOccurred())
				Expect(ids(page2, userID)).To(Equal([]int64{anna.ID}))
				Expect(next).To(BeZero())
			})

			It("come with their contacts, tags and fields, loaded for many at once", func(ctx SpecContext) {
				details, err := s.DetailsOf(ctx, []int64{anna.ID, ben.ID, cleo.ID})
				Expect(err).NotTo(HaveOccurred())
				Expect(details[anna.ID].Links).To(ConsistOf(And(HaveField("CRM", "klicktipp"), HaveField("ContactID", "1001"))))
				Expect(details[anna.ID].Tags).To(ConsistOf(And(HaveField("TagID", "7"), HaveField("TagName", "Customer"))))
				Expect(details[anna.ID].Fields).To(Equal(map[string]string{"phone": "+49 1"}))
				Expect(details[ben.ID].Tags).To(BeEmpty())
				Expect(details[ben.ID].Fields).To(BeEmpty())
				Expect(details[cleo.ID].Links).To(ConsistOf(HaveField("CRM", "hubspot")))
			})

			// A user event shows them in this order, read for one user as
			// every event that changes a user does.
			It("come for one user with contacts by CRM, each with its time, and tags by CRM, name and id", func(ctx SpecContext) {
				before := time.Now().UTC().Add(-time.Second)
				Expect(s.LinkContact(ctx, "activecampaign", "ac-1", anna.ID)).To(BeTrue())
				Expect(s.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "3", TagName: "Buyer"}, {TagID: "2", TagName: "Buyer"}, {TagID: "1", TagName: "Delta"}}, nil)).To(Succeed())
				Expect(s.ChangeTags(ctx, anna.ID, "activecampaign", []store.UserTag{{TagID: "9", TagName: "Zebra"}}, nil)).To(Succeed())

				details, err := s.DetailsOf(ctx, []int64{anna.ID})
				Expect(err).NotTo(HaveOccurred())
				Expect(details).To(HaveLen(1))
				links := details[anna.ID].Links
				Expect(links).To(HaveExactElements(
					And(HaveField("CRM", "activecampaign"), HaveField("ContactID", "ac-1"), HaveField("UserID", anna.ID)),
					And(HaveField("CRM", "klicktipp"), HaveField("ContactID", "1001"), HaveField("UserID", anna.ID))))
				for _, l := range links {
					Expect(l.CreatedAt).To(BeTemporally(">", before))
					Expect(l.CreatedAt).To(BeTemporally("<", time.Now().Add(time.Second)))
				}
				Expect(details[anna.ID].Tags).To(HaveExactElements(
					And(HaveField("CRM", "activecampaign"), HaveField("TagID", "9"), HaveField("TagName", "Zebra")),
					And(HaveField("CRM", "klicktipp"), HaveField("TagID", "2"), HaveField("TagName", "Buyer")),
					And(HaveField("CRM", "klicktipp"), HaveField("TagID", "3"), HaveField("TagName", "Buyer")),
					And(HaveField("CRM", "klicktipp"), HaveField("TagID", "7"), HaveField("TagName", "Customer")),
					And(HaveField("CRM", "klicktipp"), HaveField("TagID", "1"), HaveField("TagName", "Delta"))))
				Expect(details[anna.ID].Fields).To(Equal(map[string]string{"phone": "+49 1"}))
			})
		})

		Describe("events", func() {
			It("are filtered by status, CRM and contact, newest first, without their bodies", func(ctx SpecContext) {
				a := addEvent(ctx, s, "klicktipp", "1", store.StatusDead)
				addEvent(ctx, s, "klicktipp", "2", store.StatusDone)
				c := addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
				addEvent(ctx, s, "hubspot", "1", store.StatusDone)
				_, err := s.DB().NewUpdate().Model((*store.Event)(nil)).Set("body = ?", []byte("SubscriberID=1")).Where("1 = 1").Exec(ctx)
				Expect(err).NotTo(HaveOccurred())

				evs, next, err := s.ListEvents(ctx, store.EventFilter{CRM: "klicktipp", ContactID: "1"}, store.Page{Limit: 10})
				Expect(err).NotTo(HaveOccurred())
				Expect(next).To(BeZero())
				Expect(ids(evs, eventID)).To(Equal([]int64{c.ID, a.ID}))
				Expect(evs[0].Body).To(BeEmpty())

				evs, _, err = s.ListEvents(ctx, store.EventFilter{Status: store.StatusDead}, store.Page{Limit: 10})
				Expect(err).NotTo(HaveOccurred())
				Expect(ids(evs, eventID)).To(Equal([]int64{a.ID}))
			})

			It("are filtered by action and by when they were received", func(ctx SpecContext) {
				hourAgo, now := time.Now().UTC().Add(-time.Hour), time.Now().UTC()
				old := addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
				_, err := s.DB().NewUpdate().Model(old).Set("received_at = ?", hourAgo.Add(-time.Minute)).WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				added := addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
				tagged := addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
				_, err = s.DB().NewUpdate().Model(tagged).Set("action = ?", "update_tags").WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())

				list := func(f store.EventFilter) []int64 {
					evs, _, err := s.ListEvents(ctx, f, store.Page{Limit: 10})
					Expect(err).NotTo(HaveOccurred())
					return ids(evs, eventID)
				}
				Expect(list(store.EventFilter{Action: "update_tags"})).To(Equal([]int64{tagged.ID}))
				Expect(list(store.EventFilter{Since: hourAgo})).To(Equal([]int64{tagged.ID, added.ID}))
				Expect(list(store.EventFilter{Until: hourAgo})).To(Equal([]int64{old.ID}))
				Expect(list(store.EventFilter{Action: "add", Since: hourAgo, Until: now.Add(time.Minute)})).To(Equal([]int64{added.ID}))
			})

			It("are counted by status and outcome since a moment", func(ctx SpecContext) {
				hourAgo := time.Now().UTC().Add(-time.Hour)
				old := addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
				_, err := s.DB().NewUpdate().Model(old).Set("received_at = ?", hourAgo.Add(-time.Minute)).WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				for _, status := range []string{store.StatusDone, store.StatusDone, store.StatusDead} {
					addEvent(ctx, s, "klicktipp", "1", status)
				}
				_, err = s.DB().NewUpdate().Model((*store.Event)(nil)).Set("outcome = ?", "created").Where("status = ?", store.StatusDone).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(s.OutcomesSince(ctx, hourAgo)).To(ConsistOf(
					store.OutcomeCount{Status: store.StatusDead, Outcome: "", Count: 1},
					store.OutcomeCount{Status: store.StatusDone, Outcome: "created", Count: 2},
				))
			})

			// A webhook is stored within moments of its receipt, so the
			// count reads only the events numbered after a request received
			// well before the moment.
			Describe("counted since a moment", func() {
				var hourAgo time.Time
				receivedAt := func(ctx context.Context, ev *store.Event, at time.Time) *store.Event {
					ev.ReceivedAt = at
					_, err := s.DB().NewUpdate().Model(ev).Column("received_at").WherePK().Exec(ctx)
					Expect(err).NotTo(HaveOccurred())
					return ev
				}
				BeforeEach(func() { hourAgo = time.Now().UTC().Add(-time.Hour) })

				It("read no event numbered before a request received hours before it", func(ctx SpecContext) {
					// Received in the hour yet numbered before a request two
					// hours older: no webhook is stored that late, so this
					// row, made by hand, is not read.
					addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
					receivedAt(ctx, addEvent(ctx, s, "klicktipp", "2", store.StatusDone), hourAgo.Add(-time.Hour))
					addEvent(ctx, s, "klicktipp", "3", store.StatusDead)
					Expect(s.OutcomesSince(ctx, hourAgo)).To(ConsistOf(store.OutcomeCount{Status: store.StatusDead, Count: 1}))
				})

				It("find the requests of the hour behind a request's items numbered after them", func(ctx SpecContext) {
					early := receivedAt(ctx, addEvent(ctx, s, "hubspot", "1", store.StatusDone), hourAgo.Add(-2*time.Hour))
					addEvent(ctx, s, "klicktipp", "2", store.StatusDone)
					addEvent(ctx, s, "klicktipp", "3", store.StatusDead)
					// The early request's items, decoded late: numbered after
					// the hour's requests, received with their request.
					items := make([]*store.Event, 7)
					for i := range items {
						items[i] = &store.Event{CRM: "hubspot", Action: "update", ContactID: fmt.Sprint(10 + i), Decoded: true,
							RequestID: &early.ID, ItemIndex: i + 1, Status: store.StatusDone,
							ReceivedAt: early.ReceivedAt, UpdatedAt: time.Now().UTC(), NextAttemptAt: time.Now().UTC()}
					}
					Expect(s.InsertEvents(ctx, items)).To(Succeed())
					Expect(s.OutcomesSince(ctx, hourAgo)).To(ConsistOf(
						store.OutcomeCount{Status: store.StatusDead, Count: 1},
						store.OutcomeCount{Status: store.StatusDone, Count: 1},
					))
				})
			})

			It("are paged by cursor", func(ctx SpecContext) {
				var all []int64
				for i := range 5 {
					all = append([]int64{addEvent(ctx, s, "klicktipp", fmt.Sprint(i), store.StatusDone).ID}, all...)
				}
				var seen []int64
				p := store.Page{Limit: 2}
				for {
					evs, next, err := s.ListEvents(ctx, store.EventFilter{}, p)
					Expect(err).NotTo(HaveOccurred())
					Expect(len(evs)).To(BeNumerically("<=", 2))
					seen = append(seen, ids(evs, eventID)...)
					if next == 0 {
						break
					}
					p.After = next
				}
				Expect(seen).To(Equal(all))
			})

			It("list their attempts in order", func(ctx SpecContext) {
				ev := addEvent(ctx, s, "klicktipp", "1", store.StatusDone)
				now := time.Now().UTC()
				for _, n := range []int{2, 1} {
					_, err := s.DB().NewInsert().Model(&store.EventAttempt{EventID: ev.ID, Number: n, Owner: "w", StartedAt: now, Outcome: "retrying"}).Exec(ctx)
					Expect(err).NotTo(HaveOccurred())
				}
				attempts, err := s.EventAttempts(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(attempts).To(HaveLen(2))
				Expect(attempts[0].Number).To(Equal(1))
				Expect(attempts[1].Number).To(Equal(2))
			})
		})

		It("reads a user's activity, newest first", func(ctx SpecContext) {
			anna, ben := newUser("anna", "anna@example.com"), newUser("ben", "ben@example.com")
			Expect(s.CreateUser(ctx, anna)).To(Succeed())
			Expect(s.CreateUser(ctx, ben)).To(Succeed())
			for _, l := range []struct {
				user int64
				msg  string
			}{{anna.ID, "created"}, {ben.ID, "created"}, {anna.ID, "tags updated"}, {anna.ID, "renamed"}} {
				Expect(s.AddActivity(ctx, &store.Activity{CRM: "klicktipp", UserID: &l.user, Message: l.msg})).To(Succeed())
			}
			lines, err := s.UserActivity(ctx, anna.ID, 2)
			Expect(err).NotTo(HaveOccurred())
			Expect(lines).To(HaveExactElements(HaveField("Message", "renamed"), HaveField("Message", "tags updated")))
		})

		It("counts the queue by CRM and status, leaving out done and failed events", func(ctx SpecContext) {
			for _, e := range []struct{ crm, status string }{
				{"klicktipp", store.StatusReceived}, {"klicktipp", store.StatusReceived}, {"klicktipp", store.StatusRetrying},
				{"klicktipp", store.StatusDead}, {"klicktipp", store.StatusDone}, {"klicktipp", store.StatusFailed},
				{"hubspot", store.StatusPending},
			} {
				addEvent(ctx, s, e.crm, "1", e.status)
			}
			Expect(s.QueueDepth(ctx)).To(ConsistOf(
				store.QueueCount{CRM: "hubspot", Status: store.StatusPending, Count: 1},
				store.QueueCount{CRM: "klicktipp", Status: store.StatusDead, Count: 1},
				store.QueueCount{CRM: "klicktipp", Status: store.StatusReceived, Count: 2},
				store.QueueCount{CRM: "klicktipp", Status: store.StatusRetrying, Count: 1},
			))
		})

		Describe("replaying in batches", func() {
			replay := func(s *store.Store) store.ReplayFunc {
				return func(ctx context.Context, f store.ReplayFilter) ([]int64, error) { return s.Replay(ctx, f) }
			}

			It("re-queues what the filter selects, a batch at a time, reporting progress", func(ctx SpecContext) {
				var dead []int64
				for i := range 5 {
					dead = append(dead, addEvent(ctx, s, "klicktipp", fmt.Sprint(i), store.StatusDead).ID)
				}
				failed := addEvent(ctx, s, "klicktipp", "9", store.StatusFailed)
				other := addEvent(ctx, s, "hubspot", "1", store.StatusDead)

				var progress [][2]int
				n, err := s.ReplayInBatches(ctx, store.ReplayFilter{Status: store.StatusDead, CRM: "klicktipp"}, 2, replay(s),
					func(done, total int) { progress = append(progress, [2]int{done, total}) })
				Expect(err).NotTo(HaveOccurred())
				Expect(n).To(Equal(5))
				Expect(progress).To(Equal([][2]int{{2, 5}, {4, 5}, {5, 5}}))
				for _, id := range dead {
					ev, err := s.EventByID(ctx, id)
					Expect(err).NotTo(HaveOccurred())
					Expect(ev.Status).To(Equal(store.StatusPending))
				}
				for _, ev := range []*store.Event{failed, other} {
					got, err := s.EventByID(ctx, ev.ID)
					Expect(err).NotTo(HaveOccurred())
					Expect(got.Status).To(Equal(ev.Status), "left alone")
				}
			})

			It("refuses a status that is not failed or dead", func(ctx SpecContext) {
				_, err := s.ReplayInBatches(ctx, store.ReplayFilter{Status: store.StatusDone}, 10, replay(s), nil)
				Expect(err).To(MatchError(store.ErrNotReplayable))
			})
		})

		Describe("plugin states", func() {
			It("are saved, read back by CRM, and replaced as a whole", func(ctx SpecContext) {
				since := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
				Expect(s.SavePluginStates(ctx, []store.PluginState{
					{CRM: "klicktipp", Enabled: true, State: "running", Version: "1.0.0", PID: 42, Since: since, Reporter: "h:1", ReportedAt: since},
					{CRM: "hubspot", State: "stopped", Since: since},
				})).To(Succeed())
				states, err := s.PluginStates(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(states).To(HaveLen(2))
				Expect(states[0].CRM).To(Equal("hubspot"))
				Expect(states[1]).To(Equal(store.PluginState{CRM: "klicktipp", Enabled: true, State: "running", Version: "1.0.0",
					PID: 42, Since: since, Reporter: "h:1", ReportedAt: since}))

				Expect(s.SavePluginStates(ctx, []store.PluginState{{CRM: "klicktipp", State: "crashed", LastError: "exit 3"}})).To(Succeed())
				states, err = s.PluginStates(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(states).To(ConsistOf(And(HaveField("CRM", "klicktipp"), HaveField("State", "crashed"), HaveField("LastError", "exit 3"))))
			})

			It("leave other settings alone", func(ctx SpecContext) {
				Expect(s.SettingOrCreate(ctx, store.SettingAccessKey, func() (string, error) { return "k", nil })).To(Equal("k"))
				Expect(s.SavePluginStates(ctx, nil)).To(Succeed())
				Expect(s.Setting(ctx, store.SettingAccessKey)).To(Equal("k"))
			})
		})
	})
})
