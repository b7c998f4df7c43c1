package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EmailKey is the form of an e-mail address that uniqueness is checked on.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser inserts u and sets its ID and times. A taken e-mail or
// username is ErrEmailTaken or ErrUsernameTaken.
func (q *Queries) CreateUser(ctx context.Context, u *User) error {
	now := time.Now().UTC()
	u.EmailKey = EmailKey(u.Email)
	u.CreatedAt, u.UpdatedAt = now, now
	if _, err := q.idb.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("store: create user %s: %w", u.Username, uniqueViolation(err))
	}
	return nil
}

// UserByID returns one user, or ErrNotFound.
func (q *Queries) UserByID(ctx context.Context, id int64) (*User, error) {
	return q.userWhere(ctx, "id = ?", id)
}

// UserByEmail returns the user with this e-mail, ignoring case, or ErrNotFound.
func (q *Queries) UserByEmail(ctx context.Context, email string) (*User, error) {
	return q.userWhere(ctx, "email_key = ?", EmailKey(email))
}

// UserByContact returns the user linked to a CRM contact, or ErrNotFound.
func (q *Queries) UserByContact(ctx context.Context, crm, contactID string) (*User, error) {
	return q.userWhere(ctx, "id = (SELECT user_id FROM contact_links WHERE crm = ? AND contact_id = ?)", crm, contactID)
}

func (q *Queries) userWhere(ctx context.Context, where string, args ...any) (*User, error) {
	u := new(User)
	err := q.idb.NewSelect().Model(u).Where(where, args...).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: find user: %w", err)
	}
	return u, nil
}

// UpdateUser writes u's columns back and bumps UpdatedAt. A taken e-mail
// or username is ErrEmailTaken or ErrUsernameTaken.
func (q *Queries) UpdateUser(ctx context.Context, u *User) error {
	u.EmailKey = EmailKey(u.Email)
	u.UpdatedAt = time.Now().UTC()
	if _, err := q.idb.NewUpdate().Model(u).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, uniqueViolation(err))
	}
	return nil
}
