package store

import (
	"context"
	"errors"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("not found")
	// ErrEmailTaken: another user has this e-mail address (ignoring case).
	ErrEmailTaken = errors.New("e-mail address already belongs to another user")
	// ErrUsernameTaken: another user has this username.
	ErrUsernameTaken = errors.New("username already taken")
	// ErrContactLinked: the CRM contact is already linked to a user.
	ErrContactLinked = errors.New("contact already linked to a user")
	// ErrUserLinked: the user already has a contact of this CRM.
	ErrUserLinked = errors.New("user already linked to a contact of this crm")
	// ErrConflict: some other uniqueness rule was broken.
	ErrConflict = errors.New("conflicts with an existing row")
)

// uniqueIndexes maps each unique index to the error it means. PostgreSQL
// names the index; SQLite names the columns.
var uniqueIndexes = []struct {
	pgName, sqliteCols string
	err                error
}{
	{"users_email_key", "users.email_key", ErrEmailTaken},
	{"users_username", "users.username", ErrUsernameTaken},
	{"contact_links_pkey", "contact_links.crm, contact_links.contact_id", ErrContactLinked},
	{"contact_links_user_crm", "contact_links.user_id, contact_links.crm", ErrUserLinked},
}

// uniqueViolation turns a unique-constraint error of either dialect into
// its sentinel; other errors come back unchanged.
func uniqueViolation(err error) error {
	if err == nil {
		return nil
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) && pgErr.Field('C') == "23505" {
		for _, u := range uniqueIndexes {
			if pgErr.Field('n') == u.pgName {
				return u.err
			}
		}
		return ErrConflict
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code()
		if code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			for _, u := range uniqueIndexes {
				if strings.HasSuffix(liteErr.Error(), u.sqliteCols+")") ||
					strings.Contains(liteErr.Error(), "failed: "+u.sqliteCols) {
					return u.err
				}
			}
			return ErrConflict
		}
	}
	return err
}

// endsTransaction reports whether SQLite may have rolled back the whole
// transaction on err, rather than the failed statement alone: an
// interrupted statement (which the driver reports as its context's error),
// a full disk, an I/O error, a busy database or no memory
// (https://www.sqlite.org/lang_transaction.html, "Response To Errors
// Within A Transaction").
func endsTransaction(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var liteErr *sqlite.Error
	if !errors.As(err, &liteErr) {
		return false
	}
	switch liteErr.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_NOMEM:
		return true
	}
	return false
}
