package inbox

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// An event needs its contact as the CRM has it at some moment after the
// webhook arrived. A contact fetched for one event is as new as that for
// every event of the contact stored before the fetch began, as long as
// no newer event of the contact is applied in between. So the fetched
// contact is kept for such events, and each is applied with it instead
// of asking the CRM again. Two kinds qualify:
//
//   - those pending at the claim (Claim.Waiting): they wait for the
//     claimed event (one contact at a time), and newer ones wait for
//     them;
//   - on SQLite, those stored before the claimed event's work began,
//     found by their ids: events are numbered as they are stored
//     (AUTOINCREMENT), so every event numbered up to the highest stored
//     then was stored before. Only on an event's first attempt: one
//     applied again (or decoded again) may come after newer events of
//     its contact. On PostgreSQL other hubs decode and apply the
//     contact's events too, in an order this hub does not see, so there
//     the claim's list alone counts.
//
// Events stored after the work began fetch their own.
//
// Where a CRM sends several webhooks for one contact in a row (an
// automation tagging, then untagging), this spares its API calls, which
// CRMs count against rate limits, and a round trip through the plugin.

// lookupKept bounds how long a fetched contact is kept: the events it
// answers for are usually claimed within moments, but one may be claimed
// by another hub sharing PostgreSQL and never come here.
const lookupKept = time.Minute

// maxLookups bounds the contacts kept at once (each a few KiB at most).
const maxLookups = 1024

type contactKey struct{ crm, id string }

// lookups holds contacts fetched for an event, for the events stored
// before the fetch. It is safe for concurrent use.
type lookups struct {
	mu   sync.Mutex
	kept map[contactKey]*lookup
	now  func() time.Time
}

// lookup is one fetched contact and the events it answers for: those
// numbered up to storedBefore, and those listed in waiting not yet
// applied with it.
type lookup struct {
	contact      sdk.Contact
	storedBefore int64
	waiting      map[int64]bool
	until        time.Time
}

func newLookups() *lookups {
	return &lookups{kept: map[contactKey]*lookup{}, now: time.Now}
}

// keep keeps contact contactID of crm, fetched for one event, for the
// events numbered up to storedBefore (the highest id this hub had stored
// before the fetch began) and for those that were waiting for that event
// at its claim. A newer fetch of the same contact replaces an older one.
// When as many contacts are kept as may be, those whose waiting events
// are all applied make way, then none.
func (l *lookups) keep(crm, contactID string, contact sdk.Contact, waiting []int64, storedBefore int64) {
	if len(waiting) == 0 && storedBefore == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	key := contactKey{crm, contactID}
	if _, replaces := l.kept[key]; !replaces && len(l.kept) >= maxLookups {
		maps.DeleteFunc(l.kept, func(_ contactKey, k *lookup) bool { return now.After(k.until) })
		if len(l.kept) >= maxLookups {
			maps.DeleteFunc(l.kept, func(_ contactKey, k *lookup) bool { return len(k.waiting) == 0 })
		}
		if len(l.kept) >= maxLookups {
			return // the events fetch their own
		}
	}
	w := make(map[int64]bool, len(waiting))
	for _, id := range waiting {
		w[id] = true
	}
	l.kept[key] = &lookup{contact: contact, storedBefore: storedBefore, waiting: w, until: now.Add(lookupKept)}
}

// take returns the contact kept for the events ids of contact contactID,
// if one is kept for every one of them. ids are a claimed event and those
// merged into it: an event merged in after the contact was fetched needs
// a newer one. Only on the claimed event's first attempt are ids answered
// by their numbers.
func (l *lookups) take(crm, contactID string, ids []int64, firstAttempt bool) (sdk.Contact, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.kept[contactKey{crm, contactID}]
	if k == nil || l.now().After(k.until) {
		return sdk.Contact{}, false
	}
	for _, id := range ids {
		if !k.waiting[id] && (!firstAttempt || id > k.storedBefore) {
			return sdk.Contact{}, false
		}
	}
	for _, id := range ids {
		delete(k.waiting, id)
	}
	if len(k.waiting) == 0 && k.storedBefore == 0 {
		delete(l.kept, contactKey{crm, contactID}) // it answers for no other
	}
	// Each event gets its own copy: the engine reads it while others may.
	c := k.contact
	c.Tags, c.Fields = slices.Clone(c.Tags), maps.Clone(c.Fields)
	return c, true
}
