package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// updateAccount brings an existing user's role, e-mail and password in line
// with the CRM, except for a privileged user, whose account a webhook
// never changes. It changes u; the caller saves it.
func (r *run) updateAccount(ctx context.Context, tx *store.Tx, u *store.User) (changed bool, err error) {
	if r.cfg.privileged(u.Role) {
		r.protectPrivileged(u)
		return false, nil
	}
	// Each part is applied on its own: an || chain would skip the
	// password whenever the role or e-mail changed.
	roleChanged := r.updateRole(u)
	emailChanged, err := r.updateEmail(ctx, tx, u)
	if err != nil {
		return false, err
	}
	passwordChanged := r.updatePassword(u)
	return roleChanged || emailChanged || passwordChanged, nil
}

// protectPrivileged notes what the webhook would have changed.
func (r *run) protectPrivileged(u *store.User) {
	var kept []string
	if r.p.Role != "" && !strings.EqualFold(r.p.Role, u.Role) {
		kept = append(kept, "role")
	}
	if r.p.Email != "" && store.EmailKey(r.p.Email) != u.EmailKey {
		kept = append(kept, "e-mail")
	}
	if r.p.Password != "" && !r.passwords.matches(u.PasswordHash, r.p.Password) {
		kept = append(kept, "password")
	}
	if len(kept) > 0 {
		r.note(store.LevelNotice, "%s has the privileged role %s: a webhook never changes its role, e-mail or password, so its %s stayed unchanged.",
			u.Email, u.Role, joinAnd(kept))
	}
}

// updateEmail takes the CRM's e-mail address, unless another user has it.
func (r *run) updateEmail(ctx context.Context, tx *store.Tx, u *store.User) (bool, error) {
	want := r.p.Email
	if want == "" || store.EmailKey(want) == u.EmailKey {
		return false, nil
	}
	other, err := tx.UserByEmail(ctx, want)
	if err == nil {
		r.note(store.LevelWarning, "E-mail address not changed from %s to %s: it belongs to another user (%s, id %d).",
			u.Email, want, other.Username, other.ID)
		return false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	r.note(store.LevelInfo, "E-mail address changed from %s to %s.", u.Email, want)
	message.SetValue(&r.changes.Email, u.Email, want)
	u.Email = want
	return true, nil
}

// updatePassword takes the mapped password field's value when it is not
// the user's password already.
func (r *run) updatePassword(u *store.User) bool {
	if r.p.Password == "" || r.passwords.matches(u.PasswordHash, r.p.Password) {
		return false
	}
	u.PasswordHash = r.passwords.hash(r.p.Password)
	r.changes.Password = true
	r.note(store.LevelInfo, "Password changed to the one in the CRM's password field.")
	return true
}

// joinAnd reads "role, e-mail and password".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
