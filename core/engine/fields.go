package engine

import (
	"context"
	"slices"
	"strings"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// syncFields pulls the mapped fields into the user: first and last name
// into u (reported as changed; the caller saves u), the others into its
// profile fields. An empty CRM value never blanks a local one.
func (r *run) syncFields(ctx context.Context, tx *store.Tx, u *store.User, created bool) (namesChanged bool, err error) {
	var changed []string
	if r.p.FirstName != "" && r.p.FirstName != u.FirstName {
		message.SetValue(&r.changes.FirstName, u.FirstName, r.p.FirstName)
		u.FirstName = r.p.FirstName
		changed = append(changed, fieldFirstName)
	}
	if r.p.LastName != "" && r.p.LastName != u.LastName {
		message.SetValue(&r.changes.LastName, u.LastName, r.p.LastName)
		u.LastName = r.p.LastName
		changed = append(changed, fieldLastName)
	}
	namesChanged = len(changed) > 0

	if len(r.p.Fields) > 0 {
		current := map[string]string{}
		if !created {
			if current, err = tx.Fields(ctx, u.ID); err != nil {
				return false, err
			}
		}
		write := map[string]string{}
		for name, v := range r.p.Fields {
			if current[name] != v {
				r.changes.SetField(name, current[name], v)
				write[name] = v
				changed = append(changed, name)
			}
		}
		if err := tx.SetFields(ctx, u.ID, write); err != nil {
			return false, err
		}
	}

	if len(changed) > 0 {
		slices.Sort(changed)
		verb := "changed"
		if created {
			verb = "set"
		}
		r.note(store.LevelInfo, "Fields %s: %s.", verb, strings.Join(changed, ", "))
	}
	return namesChanged, nil
}
