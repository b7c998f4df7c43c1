package store

import (
	"cmp"
	"context"
	"crypto/rand"
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
// parameters) are merged into it and end done/coalesced. Events whose
// lease ran out are taken over. A claimed event comes without the request
// as received (method, query, header, content type, body), which only
// decoding reads.
func (s *Store) ClaimEvents(ctx context.Context, owner string, crms []string, leaseUntil time.Time, limit int) ([]Claim, error) {
	if len(crms) == 0 || limit <= 0 {
		return nil, nil
	}
	var claims []Claim
	err := s.InTxShared(ctx, func(ctx context.Context, tx *Tx) error {
		claims = nil
		now := time.Now().UTC()
		candidates, err := tx.dueEvents(ctx, crms, now, limit*4)
		if err != nil {
			return err
		}
		seen := map[[2]string]bool{}
		for _, ev := range candidates {
			contact := [2]string{ev.CRM, ev.ContactID}
			if seen[contact] {
				continue // a newer event of a contact waits for the oldest
			}
			seen[contact] = true
			lease := newLease(owner)
			ok, err := tx.takeContact(ctx, ev.CRM, ev.ContactID, lease, now, leaseUntil)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			merged, err := tx.coalesce(ctx, ev, now)
			if err != nil {
				return err
			}
			if err := tx.lease(ctx, ev, lease, now, leaseUntil); err != nil {
				return err
			}
			claims = append(claims, Claim{Event: ev, Coalesced: merged, Lease: lease})
			if len(claims) == limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim events: %w", err)
	}
	return claims, nil
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

// dueEvents lists claimable events, first received first: pending ones, retrying
// ones whose time has come, and ones whose worker's lease ran out. Each
// kind is read on its own so the (status, …) indexes serve every read; on
// PostgreSQL rows another transaction is claiming are skipped, not waited
// for.
func (q *Queries) dueEvents(ctx context.Context, crms []string, now time.Time, limit int) ([]*Event, error) {
	kinds := []struct {
		status, due string
	}{
		{StatusPending, ""},
		{StatusRetrying, "next_attempt_at <= ?"},
		{StatusProcessing, "lease_until < ?"},
	}
	lockRows := ""
	if q.dialect == Postgres {
		lockRows = " FOR UPDATE SKIP LOCKED"
	}
	var due []*Event
	for _, k := range kinds {
		var evs []*Event
		// The request as received is left out: only decoding reads it.
		query := selectColumns[Event](q, "method", "query", "header", "content_type", "body") +
			" WHERE status = ? AND crm IN (" + placeholders(len(crms)) + ") AND decoded"
		args := []any{k.status}
		for _, crm := range crms {
			args = append(args, crm)
		}
		if k.due != "" {
			query += " AND " + k.due
			args = append(args, now)
		}
		query += " ORDER BY " + receiptOrder + " LIMIT ?" + lockRows
		if err := q.scanAll(ctx, query, append(args, limit), &evs); err != nil {
			return nil, fmt.Errorf("select due %s events: %w", k.status, err)
		}
		due = append(due, evs...)
	}
	slices.SortFunc(due, func(a, b *Event) int { return compareReceipt(receipt(a), receipt(b)) })
	return due[:min(len(due), limit)], nil
}

// takeContact takes the contact under lease unless another claim holds
// it and has not run out.
func (q *Queries) takeContact(ctx context.Context, crm, contactID, lease string, now, until time.Time) (bool, error) {
	var got []string
	err := q.scanAll(ctx, `INSERT INTO contact_leases (crm, contact_id, owner, until) VALUES (?, ?, ?, ?)
		ON CONFLICT (crm, contact_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE contact_leases.until < ?
		RETURNING owner`, []any{crm, contactID, lease, until, now}, &got)
	if err != nil {
		return false, fmt.Errorf("take lease of contact %s/%s: %w", crm, contactID, err)
	}
	return len(got) == 1, nil
}

// coalesce merges the pending events identical to ev into it.
func (q *Queries) coalesce(ctx context.Context, ev *Event, now time.Time) ([]int64, error) {
	twins := `SELECT id FROM events WHERE crm = ? AND contact_id = ? AND action = ? AND role = ? AND send_notification = ?
		AND decoded AND status = ? AND id <> ?`
	if q.dialect == Postgres {
		twins += " FOR UPDATE SKIP LOCKED"
	}
	var rows []struct {
		ID        int64  `bun:"id"`
		RequestID *int64 `bun:"request_id"`
		ItemIndex int    `bun:"item_index"`
		Contact   string `bun:"contact"`
	}
	msg := fmt.Sprintf("Merged into event %d (same contact, action and parameters).", ev.ID)
	err := q.scanAll(ctx, `UPDATE events SET status = ?, outcome = ?, message = ?, coalesced_into = ?, updated_at = ?, finished_at = ?
		WHERE id IN (`+twins+`) RETURNING id, request_id, item_index, contact`,
		[]any{StatusDone, OutcomeCoalesced, msg, ev.ID, now, now,
			ev.CRM, ev.ContactID, ev.Action, ev.Role, ev.SendNotification, StatusPending, ev.ID}, &rows)
	if err != nil {
		return nil, fmt.Errorf("coalesce into event %d: %w", ev.ID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	// The kept event applies what the last received of them says: the
	// contact it carried, or (when it carried none) the CRM's, fetched now.
	merged, newest := make([]int64, len(rows)), receipt(ev)
	for i, r := range rows {
		merged[i] = r.ID
		if at := receipt(&Event{ID: r.ID, RequestID: r.RequestID, ItemIndex: r.ItemIndex}); compareReceipt(at, newest) > 0 {
			newest, ev.Contact = at, r.Contact
		}
	}
	lines := make([]*Activity, len(merged))
	for i := range merged {
		lines[i] = &Activity{At: now, CRM: ev.CRM, EventID: &merged[i], Message: msg}
	}
	return merged, q.AddActivity(ctx, lines...)
}

// lease marks ev processing under lease and opens its attempt.
func (q *Queries) lease(ctx context.Context, ev *Event, lease string, now, until time.Time) error {
	ev.Status, ev.LeaseOwner, ev.LeaseUntil = StatusProcessing, lease, &until
	ev.Attempts++
	ev.UpdatedAt = now
	if _, err := q.exec(ctx, "UPDATE events SET status = ?, lease_owner = ?, lease_until = ?, attempts = ?, updated_at = ?, contact = ? WHERE id = ?",
		ev.Status, ev.LeaseOwner, ev.LeaseUntil, ev.Attempts, ev.UpdatedAt, ev.Contact, ev.ID); err != nil {
		return fmt.Errorf("lease event %d: %w", ev.ID, err)
	}
	att := &EventAttempt{EventID: ev.ID, Number: ev.Attempts, Owner: lease, StartedAt: now}
	if err := insert(ctx, q, []*EventAttempt{att}); err != nil {
		return fmt.Errorf("open attempt of event %d: %w", ev.ID, err)
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
