package inbox

import (
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// Backoff is backoff, for the specs of package inbox_test.
var Backoff = backoff

// Lookups is the inbox's keeper of fetched contacts, on a clock the spec
// moves, for the specs of package inbox_test.
type Lookups struct{ l *lookups }

func NewLookups(now func() time.Time) Lookups {
	l := newLookups()
	l.now = now
	return Lookups{l}
}

func (l Lookups) Keep(crm, contactID string, c sdk.Contact, storedBefore int64, waiting ...int64) {
	l.l.keep(crm, contactID, c, waiting, storedBefore)
}

// Take takes the contact for a first attempt at ids; TakeAgain for a
// later one.
func (l Lookups) Take(crm, contactID string, ids ...int64) (sdk.Contact, bool) {
	return l.l.take(crm, contactID, ids, true)
}

func (l Lookups) TakeAgain(crm, contactID string, ids ...int64) (sdk.Contact, bool) {
	return l.l.take(crm, contactID, ids, false)
}

const (
	LookupKept = lookupKept
	MaxLookups = maxLookups
)
