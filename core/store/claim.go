package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Claim is what ClaimEvents hands a worker: an event it now holds, the
// events that were merged into it, and the lease it holds them by.
type Claim struct {
	Event     *Event
	Coalesced []int64
	// Waiting lists the contact's other pending events at the claim,
	// those not merged into Event: each was received before the claim,
	// and waits for Event to be applied first (one contact at a time).
	Waiting []int64
	// Lease names this claim, and no other, on the event, its contact and
	// its attempt: the claiming process's owner, a slash and a random
	// token. Renew, finish, reschedule, release and close the attempt with
	// it, so a worker that stalled past its lease and was overtaken — even
	// by a worker of its own process — holds nothing any more.
	Lease string
}

// newLease names one claim of owner's. The owner part shows operators
// which hub holds a lease.
func newLease(owner string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails: crypto/rand crashes the program instead
	return owner + "/" + hex.EncodeToString(b)
}

// ClaimEvents takes up to limit due, decoded events of the given CRMs for
// a worker of process owner, at most one per contact and none of a
// contact another claim holds (across processes sharing PostgreSQL). Each
// claimed event gets a lease of its own until leaseUntil and one more
// attempt; pending events identical to it (same CRM, contact, action and
// parameters) are merged into it and end done/coalesced, and the
// contact's other pending events are listed as waiting for it. Events whose
// lease ran out are taken over. A claimed event comes without the request
// as received (method, query, header, content type, body), which only
// decoding reads.
//
// It reads its candidates four per free place, first received first. When
// their contacts are all held, it reads the pending events after them, a
// window at a time (claimWindows at most), so that a burst for a few busy
// contacts does not leave workers idle while other contacts' events wait
// behind it. A claim that took some stops there: the inbox claims again
// as soon as a few workers are free, and on PostgreSQL further windows
// for every short claim cost the hubs more than they gave. Otherwise,
// however many events it claims, it makes the same few statements.
func (s *Store) ClaimEvents(ctx context.Context, owner string, crms []string, leaseUntil time.Time, limit int) ([]Claim, error) {
	if len(crms) == 0 || limit <= 0 {
		return nil, nil
	}
	var claims []Claim
	err := s.InTxShared(ctx, func(ctx context.Context, tx *Tx) error {
		claims = nil
		now := time.Now().UTC()
		window := limit * 4
		candidates, err := tx.dueEvents(ctx, crms, now, window)
		if err != nil {
			return err
		}
		tried := map[[2]string]bool{} // contacts taken or found held
		for windows := 1; ; windows++ {
			// A newer event of a contact waits for the oldest; contacts
			// another claim holds are passed over for the next ones.
			oldest := oldestOfEachContact(candidates, tried)
			for len(claims) < limit && len(oldest) > 0 {
				try := oldest[:min(limit-len(claims), len(oldest))]
				oldest = oldest[len(try):]
				taken, err := tx.takeContacts(ctx, owner, try, now, leaseUntil)
				if err != nil {
					return err
				}
				claims = append(claims, taken...)
			}
			if len(claims) > 0 || len(candidates) < window || windows == claimWindows {
				break
			}
			last := receipt(candidates[len(candidates)-1])
			if candidates, err = tx.pendingAfter(ctx, crms, last, window); err != nil {
				return err
			}
		}
		if len(claims) == 0 {
			return nil
		}
		if err := tx.readClaimed(ctx, claims); err != nil {
			return err
		}
		if err := tx.coalesce(ctx, claims, now); err != nil {
			return err
		}
		return tx.lease(ctx, claims, now, leaseUntil)
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim events: %w", err)
	}
	return claims, nil
}

// claimWindows bounds the windows of candidates a claim reads: behind a
// queue of held contacts' events longer than that, the claim waits for
// them to be applied.
const claimWindows = 4

// oldestOfEachContact keeps the first event in evs of each contact not
// tried yet, and counts those contacts as tried.
func oldestOfEachContact(evs []*Event, tried map[[2]string]bool) []*Event {
	var oldest []*Event
	for _, ev := range evs {
		contact := [2]string{ev.CRM, ev.ContactID}
		if !tried[contact] {
			tried[contact] = true
			oldest = append(oldest, ev)
		}
	}
	return oldest
}

// receiptOrder orders events as their requests were received: an item
// row is made when its request is decoded, after requests received later
// may have got lower ids, so a row's id alone is not receipt order.
const receiptOrder = "COALESCE(request_id, id), item_index"

// receipt is an event's place in receiptOrder.
func receipt(ev *Event) [2]int64 {
	if ev.RequestID != nil {
		return [2]int64{*ev.RequestID, int64(ev.ItemIndex)}
	}
	return [2]int64{ev.ID, int64(ev.ItemIndex)}
}

func compareReceipt(a, b [2]int64) int {
	return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
}

// dueEvents lists claimable events, first received first: pending ones,
// retrying ones whose time has come, and ones whose worker's lease ran
// out. It reads their keys alone (id, CRM, contact and place in receipt
// order), since most candidates are passed over; readClaimed reads the
// rest of the taken ones. Each kind is read on its own, so that an index
// of that kind alone serves the read; on PostgreSQL rows another
// transaction is claiming are skipped, not waited for.
func (q *Queries) dueEvents(ctx context.Context, crms []string, now time.Time, limit int) ([]*Event, error) {
	var due []*Event
	for _, k := range dueKinds {
		evs, err := q.dueOfKind(ctx, k, crms, now, nil, limit)
		if err != nil {
			return nil, err
		}
		due = append(due, evs...)
	}
	slices.SortFunc(due, func(a, b *Event) int { return compareReceipt(receipt(a), receipt(b)) })
	return due[:min(len(due), limit)], nil
}

// pendingAfter lists the pending events received after the place after
// in receipt order, first received first, as dueEvents reads them.
func (q *Queries) pendingAfter(ctx context.Context, crms []string, after [2]int64, limit int) ([]*Event, error) {
	return q.dueOfKind(ctx, pendingKind, crms, time.Time{}, &after, limit)
}

// dueKind is a kind of claimable event: its status, the condition that
// makes it due, and the index SQLite must use, where its guess would be
// wrong.
type dueKind struct{ status, due, index string }

// pendingKind is the pending events. Read by status alone, every
// pending event would be sorted to take the first few.
var pendingKind = dueKind{StatusPending, "", "events_pending_receipt"}

var dueKinds = []dueKind{
	pendingKind,
	// Read in receipt order, the retrying events would all be passed over
	// to find the few that are due.
	{StatusRetrying, "next_attempt_at <= ?", "events_retry_due"},
	// Processing events are at most twice a hub's crew (its workers and
	// its queue of claimed events): read by status and sorted.
	{StatusProcessing, "lease_until < ?", ""},
}

// dueOfKind reads the keys of up to limit due events of one kind, first
// received first; with after, only those received after that place.
func (q *Queries) dueOfKind(ctx context.Context, k dueKind, crms []string, now time.Time, after *[2]int64, limit int) ([]*Event, error) {
	// The status is written in, not bound: a prepared statement's plan
	// made for any status would not know that few events are due.
	query := "SELECT id, crm, contact_id, request_id, item_index FROM events"
	if k.index != "" {
		query += q.indexedBy(k.index)
	}
	query += " WHERE status = '" + k.status + "' AND crm IN (" + placeholders(len(crms)) + ") AND decoded"
	args := []any{}
	for _, crm := range crms {
		args = append(args, crm)
	}
	if k.due != "" {
		query += " AND " + k.due
		args = append(args, now)
	}
	if after != nil {
		// The first condition is the one SQLite reads the index's range
		// by; the second, exact, is PostgreSQL's.
		query += " AND COALESCE(request_id, id) >= ? AND (COALESCE(request_id, id), item_index) > (?, ?)"
		args = append(args, after[0], after[0], after[1])
	}
	query += " ORDER BY " + receiptOrder + boundLimit
	if q.dialect == Postgres {
		query += " FOR UPDATE SKIP LOCKED"
	}
	var evs []*Event
	if err := q.scanAll(ctx, query, append(args, limit), &evs); err != nil {
		return nil, fmt.Errorf("select due %s events: %w", k.status, err)
	}
	return evs, nil
}

// readClaimed reads the claimed events whole, but for the request as
// received, which only decoding reads.
func (q *Queries) readClaimed(ctx context.Context, claims []Claim) error {
	ids := make([]any, len(claims))
	for i, c := range claims {
		ids[i] = c.Event.ID
	}
	var evs []*Event
	n, ids := q.padded(ids, 1)
	query := selectColumns[Event](q, "method", "query", "header", "content_type", "body") +
		" WHERE id IN (" + placeholders(n) + ")"
	if err := q.varying().scanAll(ctx, query, ids, &evs); err != nil {
		return fmt.Errorf("read %d claimed events: %w", len(claims), err)
	}
	byID := make(map[int64]*Event, len(evs))
	for _, ev := range evs {
		byID[ev.ID] = ev
	}
	for i := range claims {
		ev, ok := byID[claims[i].Event.ID]
		if !ok {
			return fmt.Errorf("read claimed event %d: %w", claims[i].Event.ID, sql.ErrNoRows)
		}
		claims[i].Event = ev
	}
	return nil
}

// takeContacts takes the contacts of evs, each under a lease of its own,
// where no other claim holds one that has not run out, and returns the
// claims of the events whose contact it took, in contact order.
//
// It takes them in the order of (CRM, contact), whatever the events'
// order: claims of several hubs that want the same contacts then wait for
// each other instead of each holding one the other waits for.
func (q *Queries) takeContacts(ctx context.Context, owner string, evs []*Event, now, until time.Time) ([]Claim, error) {
	evs = slices.SortedFunc(slices.Values(evs), func(a, b *Event) int {
		return cmp.Or(cmp.Compare(a.CRM, b.CRM), cmp.Compare(a.ContactID, b.ContactID))
	})
	leases := make([]string, len(evs))
	args := make([]any, 0, 4*len(evs)+1)
	for i, ev := range evs {
		leases[i] = newLease(owner)
		args = append(args, ev.CRM, ev.ContactID, leases[i], until)
	}
	var got []string
	// A repeated row changes nothing: it meets the lease as its first copy
	// left it, and could only set the same owner and time again.
	n, args := q.padded(args, 4)
	err := q.varying().scanAll(ctx, `INSERT INTO contact_leases (crm, contact_id, owner, until) VALUES `+rows(n, 4)+`
		ON CONFLICT (crm, contact_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE contact_leases.until < ?
		RETURNING owner`, append(args, now), &got)
	if err != nil {
		return nil, fmt.Errorf("take leases of %d contacts: %w", len(evs), err)
	}
	claims := make([]Claim, 0, len(got))
	for i, ev := range evs {
		if slices.Contains(got, leases[i]) {
			claims = append(claims, Claim{Event: ev, Lease: leases[i]})
		}
	}
	return claims, nil
}

// coalesce merges into each claimed event the pending events identical
// to it, and lists the other pending events of its contact as waiting for
// it: one read per CRM finds them all, and only claims that have some to
// merge are written.
func (q *Queries) coalesce(ctx context.Context, claims []Claim, now time.Time) error {
	claimed := make(map[[2]string]int, len(claims)) // contact → index in claims
	newest := make([][2]int64, len(claims))         // receipt of the latest merged so far
	contacts := map[string][]any{}                  // CRM → its claimed contacts
	for i, c := range claims {
		claimed[[2]string{c.Event.CRM, c.Event.ContactID}] = i
		newest[i] = receipt(c.Event)
		contacts[c.Event.CRM] = append(contacts[c.Event.CRM], c.Event.ContactID)
	}
	var pending []*Event
	for crm, ids := range contacts {
		n, padded := q.padded(ids, 1)
		// The index of pending events serves the read, not the one of
		// every event a contact ever had; the status is written in, not
		// bound, so that both databases know the index holds the rows.
		query := `SELECT id, crm, contact_id, action, role, send_notification, request_id, item_index, contact
			FROM events` + q.indexedBy("events_pending_contact") + `
			WHERE status = '` + StatusPending + `' AND decoded AND crm = ? AND contact_id IN (` + placeholders(n) + `)`
		if q.dialect == Postgres {
			query += " FOR UPDATE SKIP LOCKED"
		}
		var evs []*Event
		if err := q.varying().scanAll(ctx, query, append([]any{crm}, padded...), &evs); err != nil {
			return fmt.Errorf("find %s events to merge: %w", crm, err)
		}
		pending = append(pending, evs...)
	}
	var lines []*Activity
	for _, twin := range pending {
		i := claimed[[2]string{twin.CRM, twin.ContactID}]
		c, ev := &claims[i], claims[i].Event
		if twin.ID == ev.ID {
			continue
		}
		if twin.Action != ev.Action || twin.Role != ev.Role || twin.SendNotification != ev.SendNotification {
			c.Waiting = append(c.Waiting, twin.ID)
			continue
		}
		c.Coalesced = append(c.Coalesced, twin.ID)
		// The kept event applies what the last received of them says: the
		// contact it carried, or (when it carried none) the CRM's, fetched now.
		if compareReceipt(receipt(twin), newest[i]) > 0 {
			newest[i], ev.Contact = receipt(twin), twin.Contact
		}
	}
	for i := range claims {
		c := &claims[i]
		if len(c.Coalesced) == 0 {
			continue
		}
		msg := fmt.Sprintf("Merged into event %d (same contact, action and parameters).", c.Event.ID)
		n, ids := q.padded(toAny(c.Coalesced), 1)
		if _, err := q.varying().exec(ctx, `UPDATE events SET status = ?, outcome = ?, message = ?, coalesced_into = ?, updated_at = ?, finished_at = ?
			WHERE id IN (`+placeholders(n)+`)`,
			append([]any{StatusDone, OutcomeCoalesced, msg, c.Event.ID, now, now}, ids...)...); err != nil {
			return fmt.Errorf("coalesce into event %d: %w", c.Event.ID, err)
		}
		for _, id := range c.Coalesced {
			lines = append(lines, &Activity{At: now, CRM: c.Event.CRM, EventID: &id, Message: msg})
		}
	}
	return q.AddActivity(ctx, lines...)
}

// lease marks the claimed events processing, each under its claim's
// lease, and opens their attempts.
func (q *Queries) lease(ctx context.Context, claims []Claim, now, until time.Time) error {
	values := make([]any, 0, 4*len(claims))
	atts := make([]*EventAttempt, len(claims))
	for i, c := range claims {
		ev := c.Event
		ev.Status, ev.LeaseOwner, ev.LeaseUntil = StatusProcessing, c.Lease, &until
		ev.Attempts++
		ev.UpdatedAt = now
		values = append(values, ev.ID, ev.LeaseOwner, ev.Attempts, ev.Contact)
		atts[i] = &EventAttempt{EventID: ev.ID, Number: ev.Attempts, Owner: c.Lease, StartedAt: now}
	}
	// VALUES names its columns column1, column2, … on both databases. A
	// repeated row joins its event again with the same values.
	n, values := q.padded(values, 4)
	if _, err := q.varying().exec(ctx, `UPDATE events SET status = ?, lease_until = ?, updated_at = ?,
		lease_owner = v.column2, attempts = v.column3, contact = v.column4
		FROM (VALUES `+rows(n, 4)+`) AS v WHERE events.id = v.column1`, append([]any{StatusProcessing, until, now}, values...)...); err != nil {
		return fmt.Errorf("lease %d events: %w", len(claims), err)
	}
	if err := insert(ctx, q, atts); err != nil {
		return fmt.Errorf("open attempts of %d events: %w", len(claims), err)
	}
	return nil
}

// RenewLease extends a claim's leases of an event and its contact, both
// or neither. It reports false when the claim no longer holds either: the
// event or the contact was taken over, or the contact lease is gone.
func (s *Store) RenewLease(ctx context.Context, ev *Event, lease string, until time.Time) (bool, error) {
	renewed := false
	err := s.InTxNoSync(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		renewed, err = tx.renewLease(ctx, ev, lease, until)
		if err == nil && !renewed {
			return errNotRenewed // roll back a renewal of one lease alone
		}
		return err
	})
	if errors.Is(err, errNotRenewed) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: renew leases of event %d: %w", ev.ID, err)
	}
	return true, nil
}

// errNotRenewed rolls back a RenewLease that found a lease lost.
var errNotRenewed = errors.New("lease not held")

// renewLease renews the event's lease, then the contact's; false when
// either is not held under lease.
func (q *Queries) renewLease(ctx context.Context, ev *Event, lease string, until time.Time) (bool, error) {
	res, err := q.idb.NewUpdate().Model((*Event)(nil)).Set("lease_until = ?", until).
		Where("id = ? AND lease_owner = ?", ev.ID, lease).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("renew lease of event %d: %w", ev.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	res, err = q.idb.NewUpdate().Model((*ContactLease)(nil)).Set("until = ?", until).
		Where("crm = ? AND contact_id = ? AND owner = ?", ev.CRM, ev.ContactID, lease).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("renew lease of contact %s/%s: %w", ev.CRM, ev.ContactID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ReleaseContact gives up a claim's lease of a contact; a contact another
// claim holds is left alone.
func (q *Queries) ReleaseContact(ctx context.Context, crm, contactID, lease string) error {
	_, err := q.exec(ctx, "DELETE FROM contact_leases WHERE crm = ? AND contact_id = ? AND owner = ?", crm, contactID, lease)
	if err != nil {
		return fmt.Errorf("store: release contact %s/%s: %w", crm, contactID, err)
	}
	return nil
}

// CloseAttempt records how the attempt of an event that the claim named
// by lease opened ended; another claim's attempt is left alone.
func (q *Queries) CloseAttempt(ctx context.Context, ev *Event, lease, outcome, errMsg string) error {
	now := time.Now().UTC()
	_, err := q.exec(ctx, "UPDATE event_attempts SET finished_at = ?, outcome = ?, error = ? WHERE event_id = ? AND number = ? AND owner = ? AND finished_at IS NULL",
		now, outcome, errMsg, ev.ID, ev.Attempts, lease)
	if err != nil {
		return fmt.Errorf("store: close attempt %d of event %d: %w", ev.Attempts, ev.ID, err)
	}
	return nil
}

// ReleaseAllLeases returns every event in processing to the queue and
// drops every contact lease. Only a single SQLite process may call it, at
// start, when no lease can be live.
func (q *Queries) ReleaseAllLeases(ctx context.Context) (int, error) {
	res, err := q.idb.NewUpdate().Model((*Event)(nil)).
		Set("status = ?, lease_owner = '', lease_until = NULL", StatusPending).
		Where("status = ?", StatusProcessing).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: release stale event leases: %w", err)
	}
	if _, err := q.idb.NewDelete().Model((*ContactLease)(nil)).Where("1 = 1").Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: release stale contact leases: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
