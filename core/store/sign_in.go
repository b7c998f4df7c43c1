package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// LoginKey is the form of a login (username or e-mail) that sign-in
// failures are counted by.
func LoginKey(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// UserByLogin returns the user whose e-mail or username is login, ignoring
// case, or ErrNotFound. An e-mail match wins over a username match.
func (q *Queries) UserByLogin(ctx context.Context, login string) (*User, error) {
	key := LoginKey(login)
	if key == "" {
		return nil, ErrNotFound
	}
	u := new(User)
	err := q.userByLogin(u, key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: find user by login: %w", err)
	}
	return u, nil
}

// userByLogin reads into u the user whose e-mail key or username in lower
// case (users_username_lower) is key.
func (q *Queries) userByLogin(u *User, key string) *bun.SelectQuery {
	return q.idb.NewSelect().Model(u).Where("email_key = ? OR lower(username) = ?", key, key).
		OrderExpr("CASE WHEN email_key = ? THEN 0 ELSE 1 END, id", key).Limit(1)
}

// ReplacePasswordHash sets a user's password hash to hash only while it is
// still verified, the hash a password was just checked against, and
// reports whether it did. A password changed meanwhile (from the CRM) is
// thus never undone by an upgrade of the old one's hash.
func (q *Queries) ReplacePasswordHash(ctx context.Context, userID int64, verified, hash string) (bool, error) {
	res, err := q.idb.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).
		Where("id = ? AND password_hash = ?", userID, verified).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: replace password of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: replace password of user %d: %w", userID, err)
	}
	return n == 1, nil
}

// RecordSignInFailure counts a failed sign-in for login and returns its
// id. A sign-in is recorded before its password is checked, so that
// parallel guesses count each other.
func (q *Queries) RecordSignInFailure(ctx context.Context, login string, at time.Time) (int64, error) {
	f := &SignInFailure{LoginKey: LoginKey(login), At: at.UTC()}
	if _, err := q.idb.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: record failed sign-in: %w", err)
	}
	return f.ID, nil
}

// ForgetSignInFailure removes one recorded failure: a sign-in refused
// unchecked, which must not lengthen the login's block.
func (q *Queries) ForgetSignInFailure(ctx context.Context, id int64) error {
	if _, err := q.idb.NewDelete().Model((*SignInFailure)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: forget failed sign-in %d: %w", id, err)
	}
	return nil
}

// SignInFailures counts the failed sign-ins for login since `since` and
// returns the oldest of them (zero when none).
func (q *Queries) SignInFailures(ctx context.Context, login string, since time.Time) (int, time.Time, error) {
	var row struct {
		N      int        `bun:"n"`
		Oldest *time.Time `bun:"oldest"`
	}
	err := q.idb.NewSelect().Model((*SignInFailure)(nil)).ColumnExpr("COUNT(*) AS n").ColumnExpr("MIN(at) AS oldest").
		Where("login_key = ? AND at >= ?", LoginKey(login), since.UTC()).Scan(ctx, &row)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: count failed sign-ins: %w", err)
	}
	if row.Oldest == nil {
		return row.N, time.Time{}, nil
	}
	return row.N, *row.Oldest, nil
}

// ClearSignInFailures forgets login's failed sign-ins (after a success).
func (q *Queries) ClearSignInFailures(ctx context.Context, login string) error {
	if _, err := q.idb.NewDelete().Model((*SignInFailure)(nil)).Where("login_key = ?", LoginKey(login)).Exec(ctx); err != nil {
		return fmt.Errorf("store: clear failed sign-ins: %w", err)
	}
	return nil
}

// PruneSignInFailures forgets failed sign-ins before `before`.
func (q *Queries) PruneSignInFailures(ctx context.Context, before time.Time) error {
	if _, err := q.idb.NewDelete().Model((*SignInFailure)(nil)).Where("at < ?", before.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("store: prune failed sign-ins: %w", err)
	}
	return nil
}
