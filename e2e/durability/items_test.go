package durability_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testplugin"
)

// mixed is a run of webhooks of which every other is a request naming
// several contacts of the test CRM (its synth- contacts), the rest
// KlickTipp's single-contact webhooks (single).
type mixed struct {
	single traffic
	// contacts is how many synth- contacts the requests go round; many
	// requests name each one, so items of different requests meet.
	contacts int
	// waitEvery makes every n-th request of several contacts ask to
	// wait for its outcome (0: none), so an answer shows when the hub
	// took it for final.
	waitEvery int
}

func (m mixed) multi(i int) bool { return i%2 == 1 }

// wantItem is what an item of a request should end as.
type wantItem struct {
	contactID string
	action    string // add, update_tags or ignore
}

// request is the j-th request of several contacts: two to four distinct
// contacts; every fourth updates tags, the others add; every fifth has its
// last contact ignored.
func (m mixed) request(j int) []wantItem {
	n := 2 + j%3
	items := make([]wantItem, n)
	for k := range items {
		action := "add"
		switch {
		case j%5 == 4 && k == n-1:
			action = "ignore"
		case j%4 == 3:
			action = "update_tags"
		}
		items[k] = wantItem{contactID: fmt.Sprintf("%s%d", testplugin.SynthPrefix, (j*7+k*13)%m.contacts), action: action}
	}
	return items
}

// hook is the i-th webhook.
func (m mixed) hook(i int) harness.Hook {
	if !m.multi(i) {
		return m.single.hook(i / 2)
	}
	j := i / 2
	items := m.request(j)
	ids := make([]string, len(items))
	action := "add"
	if j%4 == 3 {
		action = "update_tags"
	}
	h := harness.Hook{CRM: "test", Action: action, Key: m.single.key}
	for k, it := range items {
		ids[k] = it.contactID
		if it.action == "ignore" {
			h = h.With("action_for_"+it.contactID, "ignore")
		}
	}
	h.Form = url.Values{"contact_id": {strings.Join(ids, ",")}}
	if m.waitEvery > 0 && j%m.waitEvery == 0 {
		h = h.With("wait", "30s")
	}
	return h
}

// added lists the contacts, as crm/contact id, that an acknowledged
// webhook added: each must have one user, and no other contact one.
func (m mixed) added(ids map[int64]int) map[string]bool {
	added := map[string]bool{}
	for _, i := range ids {
		switch {
		case !m.multi(i):
			if m.single.action(i/2) == "add" {
				added["klicktipp/"+m.single.contact(i/2).id] = true
			}
		default:
			for _, it := range m.request(i / 2) {
				if it.action == "add" {
					added["test/"+it.contactID] = true
				}
			}
		}
	}
	return added
}

// outcomes an item may end with, by its action: an update_tags may come
// before the contact's first add; any may be merged into an equal one.
var outcomes = map[string][]string{
	"add":         {"created", "updated", store.OutcomeCoalesced},
	"update_tags": {"tags_updated", "no_matching_user", store.OutcomeCoalesced},
	"ignore":      {store.OutcomeIgnored},
}

// itemTrouble checks each acknowledged request of several contacts
// against what it named: its row is item 0, and it has exactly one row
// per further item, in order, each for its contact and done with an
// outcome its action allows. A request decoded outside one transaction
// with its items, then killed, would lack items or have some twice.
func itemTrouble(ctx context.Context, st *store.Store, m mixed, ids map[int64]int) []string {
	evs := eventsByID(ctx, st)
	rows := map[int64][]store.Event{}
	for _, ev := range evs {
		if ev.RequestID != nil {
			rows[*ev.RequestID] = append(rows[*ev.RequestID], ev)
		}
	}
	var problems []string
	checked := 0
	for id, i := range ids {
		if !m.multi(i) {
			if len(rows[id]) > 0 {
				problems = append(problems, fmt.Sprintf("webhook %d (event %d) names one contact but has %d item rows", i, id, len(rows[id])))
			}
			continue
		}
		checked++
		want := m.request(i / 2)
		req := evs[id]
		if !req.Decoded || req.ItemCount != len(want) {
			problems = append(problems, fmt.Sprintf("request %d names %d contacts: decoded %t with %d items", id, len(want), req.Decoded, req.ItemCount))
			continue
		}
		items := append([]store.Event{req}, rows[id]...)
		slices.SortFunc(items, func(a, b store.Event) int { return a.ItemIndex - b.ItemIndex })
		if len(items) != len(want) {
			problems = append(problems, fmt.Sprintf("request %d names %d contacts but has %d rows", id, len(want), len(items)))
			continue
		}
		for k, it := range items {
			switch {
			case it.ItemIndex != k || it.ContactID != want[k].contactID:
				problems = append(problems, fmt.Sprintf("request %d: row %d is item %d for contact %s, want item %d for %s",
					id, it.ID, it.ItemIndex, it.ContactID, k, want[k].contactID))
			case it.Status != store.StatusDone || !slices.Contains(outcomes[want[k].action], it.Outcome):
				problems = append(problems, fmt.Sprintf("request %d: item %d (%s, %s) is %s/%s: %s",
					id, k, it.ContactID, want[k].action, it.Status, it.Outcome, it.Message))
			case it.CoalescedInto != nil:
				into := evs[*it.CoalescedInto]
				if into.Status != store.StatusDone || into.ContactID != it.ContactID || into.CoalescedInto != nil {
					problems = append(problems, fmt.Sprintf("request %d: item %d was merged into %d, %s/%s for contact %s",
						id, k, into.ID, into.Status, into.Outcome, into.ContactID))
				}
			}
		}
	}
	if checked == 0 {
		problems = append(problems, "no request of several contacts was acknowledged")
	}
	slices.Sort(problems)
	return problems
}

// expectUsers checks that every contact an acknowledged webhook added is
// linked to exactly one user of its own, and that there is no other user.
func expectUsers(ctx context.Context, st *store.Store, added map[string]bool) {
	GinkgoHelper()
	var links []store.ContactLink
	Expect(st.DB().NewSelect().Model(&links).Scan(ctx)).To(Succeed())
	var users []store.User
	Expect(st.DB().NewSelect().Model(&users).Scan(ctx)).To(Succeed())
	linked := map[string]int64{}
	userLinks := map[int64]int{}
	for _, l := range links {
		linked[l.CRM+"/"+l.ContactID] = l.UserID
		userLinks[l.UserID]++
	}
	for c := range added {
		Expect(linked).To(HaveKey(c), "contact %s was added but has no user", c)
	}
	Expect(users).To(HaveLen(len(added)), "one user per added contact, no more")
	for _, u := range users {
		Expect(userLinks[u.ID]).To(Equal(1), "user %d (%s) is linked to one contact", u.ID, u.Email)
	}
}

// earlyFinals checks the answers of waits on requests of several
// contacts: a wait answers 200 only once the request is final, so every
// item it lists must be final then, and as it is stored in the end (a
// final item never changes). A request taken for final while one of its
// items was still to do shows here.
func earlyFinals(ctx context.Context, st *store.Store, m mixed, ids map[int64]int, finals map[int64]harness.Outcome) []string {
	evs := eventsByID(ctx, st)
	var problems []string
	for id, out := range finals {
		i, ok := ids[id]
		if !ok || !m.multi(i) {
			continue
		}
		want := m.request(i / 2)
		if len(out.Items) != len(want) {
			problems = append(problems, fmt.Sprintf("the wait on request %d answered %d items, want %d", id, len(out.Items), len(want)))
			continue
		}
		for k, it := range out.Items {
			var stored store.Event
			for _, ev := range evs {
				if ev.ID == id && k == 0 || ev.RequestID != nil && *ev.RequestID == id && ev.ItemIndex == k {
					stored = ev
				}
			}
			if stored.CoalescedInto != nil { // answered with the outcome of the item it was merged into
				stored = evs[*stored.CoalescedInto]
			}
			if !store.Final(it.Status) || it.Status != stored.Status || it.Outcome != stored.Outcome {
				problems = append(problems, fmt.Sprintf("the wait on request %d answered final with item %d %s/%s, which ended %s/%s",
					id, k, it.Status, it.Outcome, stored.Status, stored.Outcome))
			}
		}
	}
	slices.Sort(problems)
	return problems
}
