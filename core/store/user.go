package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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
	err := q.scanOne(ctx, selectColumns[User](q)+" WHERE "+where, args, u)
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

// CreateUserUnlessTaken inserts u like CreateUser but reports false, without
// an error, when its e-mail or username is already taken, so it never
// aborts a PostgreSQL transaction. When a concurrent transaction is
// inserting the same e-mail, it waits for that one to finish: after false,
// the next read sees the winner.
func (q *Queries) CreateUserUnlessTaken(ctx context.Context, u *User) (bool, error) {
	now := time.Now().UTC()
	u.EmailKey = EmailKey(u.Email)
	u.CreatedAt, u.UpdatedAt = now, now
	res, err := q.idb.NewInsert().Model(u).On("CONFLICT DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: create user %s: %w", u.Username, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: create user %s: %w", u.Username, err)
	}
	return n == 1, nil
}

// UsernamesWithPrefix returns the usernames that begin with prefix, for
// picking a free one. It reads them as a range of an index in byte order,
// from prefix up to the first string past every one that begins with it:
// a LIKE could use no index on either database (SQLite's ignores case,
// and PostgreSQL's collation need not be bytewise), so every new user read
// every username.
func (q *Queries) UsernamesWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	query, args := usernamesWithPrefix(q.dialect, prefix)
	var names []string
	if err := q.scanAll(ctx, query, args, &names); err != nil {
		return nil, fmt.Errorf("store: read usernames like %s: %w", prefix, err)
	}
	return names, nil
}

// usernamesWithPrefix is UsernamesWithPrefix's statement: on SQLite
// users_username is in byte order already, on PostgreSQL
// users_username_bytewise is.
func usernamesWithPrefix(d Dialect, prefix string) (string, []any) {
	username := "username"
	if d == Postgres {
		username = `username COLLATE "C"`
	}
	query, args := "SELECT username FROM users WHERE "+username+" >= ?", []any{prefix}
	if end, ok := prefixEnd(prefix); ok {
		query += " AND " + username + " < ?"
		args = append(args, end)
	}
	return query, args
}

// prefixEnd is the least string after every string that begins with
// prefix, in byte order (which is UTF-8's order of code points): prefix
// with its last character replaced by the next one. There is none for ""
// or a prefix of nothing but U+10FFFF.
func prefixEnd(prefix string) (string, bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		head := prefix[:len(prefix)-size]
		switch {
		case r == utf8.RuneError && size == 1:
			// Not UTF-8, which only SQLite stores: the next byte.
			if b := prefix[len(head)]; b < 0xff {
				return head + string([]byte{b + 1}), true
			}
		case r == utf8.MaxRune: // none after it: the character before it goes up
		case r == surrogateMin-1:
			return head + string(rune(surrogateMax+1)), true // surrogates are not characters
		default:
			return head + string(r+1), true
		}
		prefix = head
	}
	return "", false
}

// The UTF-16 surrogates: code points that UTF-8 does not encode.
const surrogateMin, surrogateMax = 0xD800, 0xDFFF

// LockUser reads a user and, on PostgreSQL, locks its row until the
// transaction ends, so that concurrent changes to one user apply one after
// the other, each seeing the last. (SQLite runs one transaction at a time.)
// Call it in a transaction; a missing user is ErrNotFound.
func (q *Queries) LockUser(ctx context.Context, id int64) (*User, error) {
	u, err := q.lockUserWhere(ctx, "id = ?", id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: lock user %d: %w", id, err)
	}
	return u, err
}

// LockUserByContact is LockUser of the user linked to a CRM contact, in
// one statement.
func (q *Queries) LockUserByContact(ctx context.Context, crm, contactID string) (*User, error) {
	u, err := q.lockUserWhere(ctx, "id = (SELECT user_id FROM contact_links WHERE crm = ? AND contact_id = ?)", crm, contactID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: lock the user of %s contact %s: %w", crm, contactID, err)
	}
	return u, err
}

func (q *Queries) lockUserWhere(ctx context.Context, where string, args ...any) (*User, error) {
	query := selectColumns[User](q) + " WHERE " + where
	if q.dialect == Postgres {
		query += " FOR UPDATE"
	}
	u := new(User)
	err := q.scanOne(ctx, query, args, u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}
