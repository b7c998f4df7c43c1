package store

import (
	"sync/atomic"
	"time"
)

// ConnectionUse is how SQLite's one connection has been used since the
// store opened: the time it spent in write transactions, by what they
// were for, and how many calls the shared transactions (InTxShared)
// carried. It tells an operator how close the connection is to being
// busy all the time, which bounds a hub on SQLite however many cores it
// has. Reads outside a transaction are short and not counted. All zero
// on PostgreSQL, whose connections work in parallel.
type ConnectionUse struct {
	// Webhooks is the time spent storing webhooks just received
	// (SaveReceived), Shared in the shared transactions, which apply
	// events, claim them and save what plugins decoded, and Other in
	// every other transaction.
	Webhooks, Shared, Other time.Duration
	// SharedTransactions counts the shared transactions, SharedCalls the
	// calls they ran.
	SharedTransactions, SharedCalls int64
}

// ConnectionUse returns how SQLite's connection has been used so far.
func (s *Store) ConnectionUse() ConnectionUse {
	u := &s.use
	return ConnectionUse{
		Webhooks:           time.Duration(u.held[holderWebhooks].Load()),
		Shared:             time.Duration(u.held[holderShared].Load()),
		Other:              time.Duration(u.held[holderOther].Load()),
		SharedTransactions: u.sharedTransactions.Load(),
		SharedCalls:        u.sharedCalls.Load(),
	}
}

// holder is what a transaction holds SQLite's connection for.
type holder int

const (
	holderOther    holder = iota
	holderWebhooks        // SaveReceived
	holderShared          // the sharer's transactions
	holders
)

// connectionUse counts ConnectionUse as it happens: a few atomic adds per
// transaction.
type connectionUse struct {
	held                            [holders]atomic.Int64 // nanoseconds
	sharedTransactions, sharedCalls atomic.Int64
}

// add counts a transaction's time holding the connection.
func (u *connectionUse) add(h holder, d time.Duration) { u.held[h].Add(int64(d)) }
