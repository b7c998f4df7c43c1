package inbox_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("One request, many items", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			st   *store.Store
			plug *plugins
			app  *applier
			in   *inbox.Inbox
		)

		BeforeEach(func() {
			st = db.Store()
			plug = newPlugins()
			app = newApplier(st)
			app.plugins = plug
			opts := inbox.Options{
				Workers: 4, MaxAttempts: 3,
				BackoffInitial: 400 * time.Millisecond, BackoffMax: 10 * time.Second,
				Poll: 20 * time.Millisecond, Lease: 3 * time.Second,
				CRMs: func() []string { return []string{"klicktipp"} },
			}
			in = inbox.New(st, plug, app, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				in.Stop(ctx)
			})
		})

		accept := func(query string) int64 {
			ev := webhook(query)
			Expect(in.Accept(context.Background(), ev)).To(Succeed())
			return ev.ID
		}
		wait := func(id int64) *store.Event {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ev, err := in.Wait(ctx, id)
			Expect(err).NotTo(HaveOccurred())
			return ev
		}
		activity := func(id int64) []string {
			lines, err := st.EventActivity(context.Background(), id)
			Expect(err).NotTo(HaveOccurred())
			var msgs []string
			for _, l := range lines {
				msgs = append(msgs, l.Message)
			}
			return msgs
		}

		It("applies each item of a request as an event of its own, and a wait answers once every item is final", func() {
			id := accept("contact=31,32,33,40401&ignore=33&act_32=add")
			req := wait(id)
			Expect(req.ItemCount).To(Equal(4))
			Expect(req.Items).To(HaveExactElements(
				And(HaveField("ID", id), HaveField("ContactID", "31"), HaveField("Status", store.StatusDone), HaveField("Outcome", "tags_updated")),
				And(HaveField("RequestID", Equal(&id)), HaveField("ContactID", "32"), HaveField("Action", "add"), HaveField("Status", store.StatusDone)),
				And(HaveField("ContactID", "33"), HaveField("Status", store.StatusDone), HaveField("Outcome", store.OutcomeIgnored),
					HaveField("Message", "the spec ignores it")),
				And(HaveField("ContactID", "40401"), HaveField("Status", store.StatusFailed), HaveField("Outcome", store.OutcomeNotFound)),
			))
			Expect(store.RequestStatus(req.Items)).To(Equal(store.StatusFailed))
			Expect(req.Items[1].Action).To(Equal("add"), "an item's action overrides the URL's")
			Expect(req.Items[3].Action).To(Equal("update_tags"))
			Expect(app.callsFor("33")).To(BeEmpty(), "an ignored item is not applied")
			Expect(activity(req.Items[2].ID)).To(ContainElement("Ignored: the spec ignores it."))
			Expect(plug.decodeCalls("act_32=add&contact=31%2C32%2C33%2C40401&ignore=33")).To(Equal(1))
		})

		Describe("a wait on rows as merges left them", func() {
			// Rows of a CRM the inbox does not work for, so no worker takes
			// them while the spec sets them up.
			row := func(contact, status, outcome string) *store.Event {
				now := time.Now().UTC()
				ev := &store.Event{CRM: "elsewhere", Action: "update_tags", Method: "POST", Header: "{}", ContactID: contact,
					Decoded: true, Status: status, Outcome: outcome, ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
				Expect(st.InsertEvents(context.Background(), []*store.Event{ev})).To(Succeed())
				return ev
			}
			set := func(ev *store.Event, columns ...string) {
				_, err := st.DB().NewUpdate().Model(ev).Column(columns...).WherePK().Exec(context.Background())
				Expect(err).NotTo(HaveOccurred())
			}
			// request makes a request of two items: its own row and one more.
			request := func(first, second string) (*store.Event, *store.Event) {
				req := row("61", first, "tags_updated")
				req.ItemCount = 2
				set(req, "item_count")
				item := row("62", second, "")
				item.RequestID, item.ItemIndex = &req.ID, 1
				set(item, "request_id", "item_index")
				return req, item
			}
			mergeInto := func(ev, into *store.Event) {
				ev.Status, ev.Outcome, ev.CoalescedInto = store.StatusDone, store.OutcomeCoalesced, &into.ID
				set(ev, "status", "outcome", "coalesced_into")
			}

			It("follows a merge into a request's first item to that row alone, not the request's items", func() {
				req, _ := request(store.StatusDone, store.StatusPending)
				merged := row("61", store.StatusPending, "")
				mergeInto(merged, req)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				got, err := in.Wait(ctx, merged.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(And(HaveField("ID", req.ID), HaveField("Items", BeNil()),
					HaveField("Status", store.StatusDone), HaveField("Outcome", "tags_updated")))
			})

			It("answers a request whose first item was merged with its items, the merge shown in the first", func() {
				into := row("61", store.StatusDone, "tags_updated")
				req, _ := request(store.StatusPending, store.StatusDone)
				mergeInto(req, into)
				got := wait(req.ID)
				Expect(got.Items).To(HaveExactElements(
					And(HaveField("ID", req.ID), HaveField("Outcome", "tags_updated"), HaveField("CoalescedInto", Equal(&into.ID))),
					HaveField("Status", store.StatusDone)))
			})
		})

		It("costs a request of one item no item rows", func() {
			id := accept("contact=36")
			req := wait(id)
			Expect(req).To(And(HaveField("ItemCount", 1), HaveField("Items", BeNil()), HaveField("Status", store.StatusDone)))
			rows, err := st.ItemRows(context.Background(), id)
			Expect(err).NotTo(HaveOccurred())
			Expect(rows).To(BeEmpty())
		})

		It("ends a request that names no contact done / ignored", func() {
			req := wait(accept("contact=none"))
			Expect(req).To(And(HaveField("Status", store.StatusDone), HaveField("Outcome", store.OutcomeIgnored),
				HaveField("ItemCount", 0), HaveField("Message", "The request names no contact.")))
		})

		It("resolves each e-mail-only item on its own, charging a failed lookup to that item", func() {
			plug.emails["known@example.com"] = "37"
			id := accept("contact=38&email=known@example.com")
			Expect(wait(id)).To(HaveField("ContactID", "38"))
			// two e-mail-only items: each found on its own
			other := accept("email=known@example.com")
			Expect(wait(other)).To(And(HaveField("ContactID", "37"), HaveField("Status", store.StatusDone)))
		})

		It("gives the engine the contact an item carried, and writes the item's notes to its activity", func() {
			id := accept("contact=39,41&carry=41&carried=carried@example.com&note=seen")
			req := wait(id)
			Expect(store.RequestStatus(req.Items)).To(Equal(store.StatusDone))
			carried := func(c call) *sdk.Contact { return c.ev.Contact }
			Expect(app.callsFor("39")).To(HaveExactElements(WithTransform(carried, BeNil())))
			Expect(app.callsFor("41")).To(HaveExactElements(WithTransform(carried,
				Equal(&sdk.Contact{ID: "41", Email: "carried@example.com", Tags: []sdk.Tag{{ID: "1", Name: "carried"}}}))))
			Expect(activity(id)).To(ContainElement("seen 39"))
			Expect(activity(req.Items[1].ID)).To(ContainElement("seen 41"))
		})

		It("names the event on every plugin call made for it", func() {
			plug.emails["found@example.com"] = "42"
			id := accept("email=found@example.com")
			multi := accept("contact=43,44")
			Expect(wait(id)).To(HaveField("Status", store.StatusDone))
			req := wait(multi)
			hooks, finds := plug.eventIDs()
			Expect(hooks).To(ContainElements(strconv.FormatInt(id, 10), strconv.FormatInt(multi, 10)))
			Expect(finds).To(HaveExactElements(strconv.FormatInt(id, 10)))
			named := func(c call) string { return c.eventID }
			Expect(app.callsFor("42")).To(HaveExactElements(WithTransform(named, Equal(strconv.FormatInt(id, 10)))))
			Expect(app.callsFor("44")).To(HaveExactElements(WithTransform(named, Equal(strconv.FormatInt(req.Items[1].ID, 10)))))
		})

		It("replays a request's failed items from their decoded data, without reading the request again", func() {
			app.failNext("46", sdk.Invalid("the CRM refused it"))
			id := accept("contact=45,46")
			req := wait(id)
			Expect(req.Items[1]).To(And(HaveField("Status", store.StatusFailed), HaveField("Outcome", store.OutcomeCRMError)))

			replayed, err := in.Replay(context.Background(), store.ReplayFilter{IDs: []int64{id}})
			Expect(err).NotTo(HaveOccurred())
			Expect(replayed).To(HaveExactElements(req.Items[1].ID))
			req = wait(id)
			Expect(store.RequestStatus(req.Items)).To(Equal(store.StatusDone))
			Expect(app.callsFor("45")).To(HaveLen(1))
			Expect(app.callsFor("46")).To(HaveLen(2))
			Expect(plug.decodeCalls("contact=45%2C46")).To(Equal(1))
		})
	})
})
