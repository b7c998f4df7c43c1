package engine

import (
	"context"
	"errors"

	"github.com/crmhub/crmhub/core/store"
)

// prepare does, before the transaction, the slow password work (about 20 ms
// of argon2id per hash) that a first look at the store says the
// transaction will need, so the transaction does not hold the store's
// writer meanwhile. A guess that turns out wrong — another event created
// the user first — only costs the work; the transaction decides anew.
func (e *Engine) prepare(ctx context.Context, r *run) error {
	if r.ev.Action == ActionUpdateTags {
		return nil
	}
	u, err := e.st.UserByContact(ctx, r.ev.CRM, r.ev.ContactID)
	if errors.Is(err, store.ErrNotFound) && r.contact.Email != "" {
		u, err = e.st.UserByEmail(ctx, r.contact.Email)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		if r.ev.Action == ActionAdd {
			password, _ := r.passwords.forNewUser(r.p.Password)
			r.passwords.hash(password)
		}
	case err != nil:
		return err
	case r.p.Password != "":
		if !r.passwords.matches(u.PasswordHash, r.p.Password) && !r.cfg.privileged(u.Role) {
			r.passwords.hash(r.p.Password)
		}
	}
	return nil
}
