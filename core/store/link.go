package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LinkContact links a CRM contact to a user. It reports false, without
// error, when the contact is already linked (to anyone) or the user already
// has a contact of this CRM: it never breaks a transaction on PostgreSQL,
// where a unique violation would abort it.
func (q *Queries) LinkContact(ctx context.Context, crm, contactID string, userID int64) (bool, error) {
	link := &ContactLink{CRM: crm, ContactID: contactID, UserID: userID, CreatedAt: time.Now().UTC()}
	res, err := q.idb.NewInsert().Model(link).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: link %s contact %s to user %d: %w", crm, contactID, userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: link %s contact %s to user %d: %w", crm, contactID, userID, err)
	}
	return n == 1, nil
}

// UnlinkContact removes a contact's link, if there is one.
func (q *Queries) UnlinkContact(ctx context.Context, crm, contactID string) error {
	if _, err := q.idb.NewDelete().Model((*ContactLink)(nil)).
		Where("crm = ? AND contact_id = ?", crm, contactID).Exec(ctx); err != nil {
		return fmt.Errorf("store: unlink %s contact %s: %w", crm, contactID, err)
	}
	return nil
}

// ContactOf returns the id of the user's contact in crm, or ErrNotFound.
func (q *Queries) ContactOf(ctx context.Context, userID int64, crm string) (string, error) {
	var contactID string
	err := q.idb.NewSelect().Model((*ContactLink)(nil)).Column("contact_id").
		Where("user_id = ? AND crm = ?", userID, crm).Scan(ctx, &contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: read %s contact of user %d: %w", crm, userID, err)
	}
	return contactID, nil
}

// Links returns a user's contacts, ordered by CRM.
func (q *Queries) Links(ctx context.Context, userID int64) ([]ContactLink, error) {
	var links []ContactLink
	if err := q.idb.NewSelect().Model(&links).Where("user_id = ?", userID).Order("crm").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read contacts of user %d: %w", userID, err)
	}
	return links, nil
}
