package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// privileged reports whether role is privileged. Case is ignored, so
// "Administrator" cannot slip past "administrator".
func (c *Config) privileged(role string) bool {
	return slices.ContainsFunc(c.PrivilegedRoles, func(p string) bool { return strings.EqualFold(p, role) })
}

// allowed returns the configured spelling of role when webhooks may assign it.
func (c *Config) allowed(role string) (string, bool) {
	i := slices.IndexFunc(c.AllowedRoles, func(a string) bool { return strings.EqualFold(a, role) })
	if i < 0 {
		return "", false
	}
	return c.AllowedRoles[i], true
}

// newUserRole is the role of a user being created: the requested one (the
// mapped role field, else the role parameter) when webhooks may assign it,
// else the default, with a notice saying why.
func (r *run) newUserRole() (string, error) {
	def := r.cfg.DefaultRole
	if def == "" || r.cfg.privileged(def) {
		// Config validation refuses this; never let it make an administrator.
		return "", fmt.Errorf("roles.default %q cannot be given to new users", def)
	}
	want := r.p.Role
	switch {
	case want == "":
		return def, nil
	case r.cfg.privileged(want):
		r.note(store.LevelNotice, "Role %s is privileged and is never assigned by a webhook; the new user gets the default role %s.", want, def)
		return def, nil
	}
	role, ok := r.cfg.allowed(want)
	if !ok {
		r.note(store.LevelNotice, "Role %s is not among the roles a webhook may assign (roles.allowed); the new user gets the default role %s.", want, def)
		return def, nil
	}
	return role, nil
}

// updateRole gives an existing, unprivileged user the requested role when
// webhooks may assign it; an empty request keeps the role.
func (r *run) updateRole(u *store.User) bool {
	want := r.p.Role
	if want == "" || strings.EqualFold(want, u.Role) {
		return false
	}
	if r.cfg.privileged(want) {
		r.note(store.LevelNotice, "Role %s is privileged and is never assigned by a webhook; kept %s.", want, u.Role)
		return false
	}
	role, ok := r.cfg.allowed(want)
	if !ok {
		r.note(store.LevelNotice, "Role %s is not among the roles a webhook may assign (roles.allowed); kept %s.", want, u.Role)
		return false
	}
	r.note(store.LevelInfo, "Role changed from %s to %s.", u.Role, role)
	message.SetValue(&r.changes.Role, u.Role, role)
	u.Role = role
	return true
}
