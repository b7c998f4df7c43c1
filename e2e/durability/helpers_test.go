package durability_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// contact is one seeded KlickTipp contact.
type contact struct{ id, email string }

// seedContacts adds n contacts with a tag and a name to the fake.
func seedContacts(kt *harness.KlickTipp, n int) []contact {
	kt.AddTag("11", "Kunde")
	kt.AddTag("12", "Premium")
	contacts := make([]contact, n)
	for i := range contacts {
		email := fmt.Sprintf("contact%04d@example.com", i)
		id := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: email, ManualTags: []string{"11"},
			Fields: map[string]string{"fieldFirstName": "Kim", "fieldLastName": strconv.Itoa(i)}})
		contacts[i] = contact{id: id, email: email}
	}
	return contacts
}

// traffic is a run of webhooks over contacts: the i-th goes to contact
// i mod n; each contact's first is an add, the later ones go round
// update_tags, update and add.
type traffic struct {
	contacts []contact
	key      string
}

var laterActions = []string{"update_tags", "update", "add"}

func (t traffic) action(i int) string {
	round := i / len(t.contacts)
	if round == 0 {
		return "add"
	}
	return laterActions[(round-1)%len(laterActions)]
}

func (t traffic) contact(i int) contact { return t.contacts[i%len(t.contacts)] }

// hook is the i-th webhook.
func (t traffic) hook(i int) harness.Hook {
	c := t.contact(i)
	return harness.Hook{CRM: "klicktipp", Action: t.action(i), Key: t.key, Form: harness.Outbound(c.id, c.email)}
}

// acked collects the webhooks a hub answered 2xx: event id → the index
// of the webhook in its traffic. It runs on the load's goroutines, so it
// notes problems for the spec to check rather than failing there.
type acked struct {
	mu       sync.Mutex
	ids      map[int64]int
	problems []string
	// finals are the outcomes that waits answered as final (200).
	finals map[int64]harness.Outcome
}

func newAcked() *acked { return &acked{ids: map[int64]int{}, finals: map[int64]harness.Outcome{}} }

// record is a Load's OnAnswer.
func (a *acked) record(s harness.Shot) {
	if s.Status < 200 || s.Status > 299 {
		return
	}
	var answer struct {
		ID string `json:"id"`
	}
	err := harness.Reply{Status: s.Status, Body: s.Body}.Decode(&answer)
	id, parseErr := strconv.ParseInt(answer.ID, 10, 64)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err != nil:
		a.problems = append(a.problems, err.Error())
	case parseErr != nil:
		a.problems = append(a.problems, fmt.Sprintf("webhook %d was acknowledged without an id: %s", s.Index, s.Body))
	default:
		if first, twice := a.ids[id]; twice {
			a.problems = append(a.problems, fmt.Sprintf("webhooks %d and %d were acknowledged with one id %d", first, s.Index, id))
		}
		a.ids[id] = s.Index
	}
	if s.Status == http.StatusOK {
		var out harness.Outcome
		if err := (harness.Reply{Status: s.Status, Body: s.Body}).Decode(&out); err != nil {
			a.problems = append(a.problems, err.Error())
			return
		}
		a.finals[id] = out
	}
}

// answered returns a copy of the outcomes waits answered as final.
func (a *acked) answered() map[int64]harness.Outcome {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.finals)
}

// trouble lists what record found wrong.
func (a *acked) trouble() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.problems)
}

func (a *acked) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.ids)
}

// all returns a copy: event id → webhook index.
func (a *acked) all() map[int64]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[int64]int, len(a.ids))
	for id, i := range a.ids {
		out[id] = i
	}
	return out
}

// eventsByID reads every event in the store, without its body.
func eventsByID(ctx context.Context, st *store.Store) map[int64]store.Event {
	var rows []store.Event
	// Without the bodies: the drills poll this while the hubs work.
	Expect(st.DB().NewSelect().Model(&rows).ExcludeColumn("body").Scan(ctx)).To(Succeed())
	out := make(map[int64]store.Event, len(rows))
	for _, ev := range rows {
		out[ev.ID] = ev
	}
	return out
}

// unsettled describes the acknowledged events that are missing from the
// store or not done yet; it is empty once every one is done — applied,
// or coalesced into one that was.
func unsettled(ctx context.Context, st *store.Store, ids map[int64]int) []string {
	evs := eventsByID(ctx, st)
	// A request is settled when every one of its items is.
	check := maps.Clone(ids)
	for _, ev := range evs {
		if ev.RequestID != nil {
			if _, acked := ids[*ev.RequestID]; acked {
				check[ev.ID] = -1
			}
		}
	}
	var problems []string
	for id := range check {
		ev, ok := evs[id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("event %d was acknowledged but is not in the store", id))
		case ev.Status != store.StatusDone:
			problems = append(problems, fmt.Sprintf("event %d is %s/%s: %s", id, ev.Status, ev.Outcome, ev.Message))
		case ev.CoalescedInto != nil:
			into, ok := evs[*ev.CoalescedInto]
			if !ok || into.Status != store.StatusDone || into.CoalescedInto != nil {
				problems = append(problems, fmt.Sprintf("event %d was coalesced into %d, which is not applied", id, *ev.CoalescedInto))
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// expectOneUserPerContact checks that every contact that had an add
// acknowledged is linked to exactly one user, and that there is no other
// user.
func expectOneUserPerContact(ctx context.Context, st *store.Store, t traffic, ids map[int64]int) {
	GinkgoHelper()
	added := map[string]bool{}
	for _, i := range ids {
		if t.action(i) == "add" {
			added["klicktipp/"+t.contact(i).id] = true
		}
	}
	expectUsers(ctx, st, added)
}

// replicaConnections is database.max_connections of each hub in a drill
// of several: two such drills run side by side (ginkgo -p) on one
// PostgreSQL that takes 100 connections. At the default of 20, six hubs
// and the specs' own pools did not fit, and the hubs answered webhooks
// and feed reads 503 ("sorry, too many clients already").
const replicaConnections = 8

// waitForPlugins waits until each hub runs both plugins of mixed
// traffic: a webhook for a CRM whose plugin has not started yet is
// answered 503, as its profile is unknown.
func waitForPlugins(ctx context.Context, hubs ...*harness.Hub) {
	for _, h := range hubs {
		for _, crm := range []string{"klicktipp", "test"} {
			Expect(h.WaitForPlugin(ctx, crm, "running")).To(Succeed())
		}
	}
}

// reportLogs attaches the hubs' logs to a failed spec.
func reportLogs(hubs ...*harness.Hub) {
	if !CurrentSpecReport().Failed() {
		return
	}
	for _, h := range hubs {
		AddReportEntry("log of the hub on "+h.Addr, h.LogTail(80))
	}
}
