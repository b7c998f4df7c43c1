package inbox

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// An event needs its contact as the CRM has it at some moment after the
// webhook arrived. A contact fetched for one claim is that for each of
// the contact's other events already pending at the claim: they were
// received before it, and they wait for the claimed event to be applied
// first (one contact at a time). So the fetched contact is kept for them,
// and each is applied with it instead of asking the CRM again. Events
// received after the claim are not among them and fetch their own.
//
// Where a CRM sends several webhooks for one contact in a row (an
// automation tagging, then untagging), this spares its API calls, which
// CRMs count against rate limits, and a round trip through the plugin.

// lookupKept bounds how long a fetched contact is kept for its waiting
// events: they are usually claimed within moments, but one may be claimed
// by another hub sharing PostgreSQL and never come here.
const lookupKept = time.Minute

// maxLookups bounds the contacts kept at once (each a few KiB at most).
const maxLookups = 1024

type contactKey struct{ crm, id string }

// lookups holds contacts fetched for a claim, for the events that wait
// for it. It is safe for concurrent use.
type lookups struct {
	mu   sync.Mutex
	kept map[contactKey]*lookup
	now  func() time.Time
}

// lookup is one fetched contact and the events it answers for.
type lookup struct {
	contact sdk.Contact
	events  map[int64]bool // not yet applied with it
	until   time.Time
}

func newLookups() *lookups {
	return &lookups{kept: map[contactKey]*lookup{}, now: time.Now}
}

// keep keeps contact contactID of crm, fetched for one event, for the
// events that were waiting for that event at its claim. A newer fetch of
// the same contact replaces an older one.
func (l *lookups) keep(crm, contactID string, contact sdk.Contact, waiting []int64) {
	if len(waiting) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.kept) >= maxLookups {
		maps.DeleteFunc(l.kept, func(_ contactKey, k *lookup) bool { return now.After(k.until) })
	}
	key := contactKey{crm, contactID}
	if _, replaces := l.kept[key]; !replaces && len(l.kept) >= maxLookups {
		return // the waiting events fetch their own
	}
	events := make(map[int64]bool, len(waiting))
	for _, id := range waiting {
		events[id] = true
	}
	l.kept[key] = &lookup{contact: contact, events: events, until: now.Add(lookupKept)}
}

// take returns the contact kept for the events ids of contact
// contactID, if one is kept for every one of them, and forgets that it
// answers for them. ids are a claimed event and those merged into it: an
// event merged in after the contact was fetched needs a newer one.
func (l *lookups) take(crm, contactID string, ids []int64) (sdk.Contact, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := contactKey{crm, contactID}
	k := l.kept[key]
	if k == nil || l.now().After(k.until) {
		return sdk.Contact{}, false
	}
	for _, id := range ids {
		if !k.events[id] {
			return sdk.Contact{}, false
		}
	}
	for _, id := range ids {
		delete(k.events, id)
	}
	if len(k.events) == 0 {
		delete(l.kept, key)
	}
	// Each event gets its own copy: the engine reads it while others may.
	c := k.contact
	c.Tags, c.Fields = slices.Clone(c.Tags), maps.Clone(c.Fields)
	return c, true
}
