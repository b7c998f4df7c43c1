package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// findUser finds the event's user by its contact link, else by the
// contact's e-mail address as the CRM reports it (never one the webhook
// merely claims), linking the contact to it. It returns nil when there is
// none. The user comes back locked for this transaction.
func (r *run) findUser(ctx context.Context, tx *store.Tx) (*store.User, error) {
	u, err := tx.LockUserByContact(ctx, r.ev.CRM, r.ev.ContactID)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) || r.contact.Email == "" {
		return nil, ignoreNotFound(err)
	}
	u, err = tx.UserByEmail(ctx, r.contact.Email)
	if err != nil {
		return nil, ignoreNotFound(err)
	}
	return r.link(ctx, tx, u.ID)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// link links the event's contact to a user found by e-mail. A user has one
// contact per CRM, so a link to another contact of this CRM is replaced.
// When another event linked this contact meanwhile, it carries on with
// that event's user. The user comes back locked.
func (r *run) link(ctx context.Context, tx *store.Tx, userID int64) (*store.User, error) {
	crm, contactID := r.ev.CRM, r.ev.ContactID
	u, err := tx.LockUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	// The lock waited for any event busy with this user; now its links are
	// as that event left them.
	owner, err := tx.UserByContact(ctx, crm, contactID)
	switch {
	case err == nil && owner.ID == u.ID:
		return u, nil
	case err == nil:
		return tx.LockUser(ctx, owner.ID)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	old, err := tx.ContactOf(ctx, u.ID, crm)
	replaced := ""
	switch {
	case err == nil:
		replaced = old
		if err := tx.UnlinkContact(ctx, crm, old); err != nil {
			return nil, err
		}
		r.note(store.LevelNotice, "%s was linked to %s contact %s; it is now linked to contact %s, which has its e-mail address.",
			u.Email, crm, old, contactID)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	linked, err := tx.LinkContact(ctx, crm, contactID, u.ID)
	if err != nil {
		return nil, err
	}
	if !linked {
		// Linked by another event between the look and the link: rare;
		// a retry of the whole event finds the link.
		return nil, fmt.Errorf("%s contact %s was linked to another user meanwhile: %w", crm, contactID, store.ErrContactLinked)
	}
	r.note(store.LevelInfo, "Linked %s to %s contact %s (found by e-mail address).", u.Email, crm, contactID)
	r.changes.AddLink(crm, replaced, contactID)
	return u, nil
}

// maxUsernameTries bounds the search for a free username while other
// events take the candidates concurrently. Each lost try means another
// event's user was committed, so n events creating the same name at once
// need at most n tries.
const maxUsernameTries = 100

// createUser creates the contact's user and links it. When another event
// created a user with this e-mail meanwhile, it links to that one instead
// (created is false).
func (r *run) createUser(ctx context.Context, tx *store.Tx) (u *store.User, created bool, err error) {
	role, err := r.newUserRole()
	if err != nil {
		return nil, false, err
	}
	password, _ := r.passwords.forNewUser(r.p.Password)
	// The names are filled in by syncFields, like every pulled field.
	u = &store.User{Email: r.p.Email, PasswordHash: r.passwords.hash(password), Role: role}
	base := usernameBase(r.cfg.UsernameFormat, r.p)
	for range maxUsernameTries {
		taken, err := tx.UsernamesWithPrefix(ctx, base)
		if err != nil {
			return nil, false, err
		}
		u.Username = freeUsername(base, taken)
		ok, err := tx.CreateUserUnlessTaken(ctx, u)
		if err != nil {
			return nil, false, err
		}
		if ok {
			return u, true, r.linkNewUser(ctx, tx, u)
		}
		// Taken: the e-mail by a user another event created meanwhile
		// (join it), or the username (pick the next free one).
		other, err := tx.UserByEmail(ctx, u.Email)
		if err == nil {
			u, err := r.link(ctx, tx, other.ID)
			return u, false, err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, false, err
		}
	}
	return nil, false, fmt.Errorf("no free username like %q after %d tries", base, maxUsernameTries)
}

func (r *run) linkNewUser(ctx context.Context, tx *store.Tx, u *store.User) error {
	linked, err := tx.LinkContact(ctx, r.ev.CRM, r.ev.ContactID, u.ID)
	if err != nil {
		return err
	}
	if !linked {
		return fmt.Errorf("%s contact %s was linked to another user meanwhile: %w", r.ev.CRM, r.ev.ContactID, store.ErrContactLinked)
	}
	r.changes.AddLink(r.ev.CRM, "", r.ev.ContactID)
	message.SetValue(&r.changes.Username, "", u.Username)
	message.SetValue(&r.changes.Email, "", u.Email)
	message.SetValue(&r.changes.Role, "", u.Role)
	name := u.Email
	if u.Username != u.Email {
		name = u.Username + " <" + u.Email + ">"
	}
	r.note(store.LevelInfo, "Created user %s (role %s) for %s contact %s.", name, u.Role, r.ev.CRM, r.ev.ContactID)
	return nil
}
