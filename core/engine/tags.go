package engine

import (
	"context"
	"slices"
	"strings"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// syncTags makes the contact's tags the user's tags of this CRM, leaving
// other CRMs' tags alone, and says by name what was applied and removed.
func (r *run) syncTags(ctx context.Context, tx *store.Tx, u *store.User) error {
	old, err := tx.CRMTags(ctx, u.ID, r.ev.CRM)
	if err != nil {
		return err
	}
	oldByID := make(map[string]store.UserTag, len(old))
	for _, t := range old {
		oldByID[t.TagID] = t
	}
	var put []store.UserTag // added or renamed
	var drop []string
	seen := map[string]bool{}
	var applied, removed []string
	var added, dropped, renamed []message.TagRef
	for _, t := range r.contact.Tags {
		if t.ID == "" || seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		name := strings.TrimSpace(t.Name)
		before, had := oldByID[t.ID]
		if name == "" {
			name = before.TagName // the CRM sent no name: keep the one we know
		}
		if name == "" {
			name = t.ID
		}
		switch {
		case !had:
			applied = append(applied, name)
			added = append(added, message.TagRef{ID: t.ID, Name: name})
			put = append(put, store.UserTag{TagID: t.ID, TagName: name})
		case before.TagName != name:
			renamed = append(renamed, message.TagRef{ID: t.ID, Name: name})
			put = append(put, store.UserTag{TagID: t.ID, TagName: name})
		}
	}
	for _, t := range old {
		if !seen[t.TagID] {
			removed = append(removed, t.TagName)
			dropped = append(dropped, message.TagRef{ID: t.TagID, Name: t.TagName})
			drop = append(drop, t.TagID)
		}
	}
	if len(put) == 0 && len(drop) == 0 {
		r.note(store.LevelInfo, "Tags unchanged.")
		return nil
	}
	// Read in this transaction under the user's lock, old is what the
	// store holds: only the difference is written.
	if err := tx.ChangeTags(ctx, u.ID, r.ev.CRM, put, drop); err != nil {
		return err
	}
	r.note(store.LevelInfo, "%s", tagLine(applied, removed))
	r.changes.SetTags(r.ev.CRM, added, dropped, renamed)
	return nil
}

// tagLine reads "Tags applied: Kunde, Newsletter. Removed: Interessent."
func tagLine(applied, removed []string) string {
	slices.Sort(applied)
	slices.Sort(removed)
	switch {
	case len(applied) > 0 && len(removed) > 0:
		return "Tags applied: " + strings.Join(applied, ", ") + ". Removed: " + strings.Join(removed, ", ") + "."
	case len(applied) > 0:
		return "Tags applied: " + strings.Join(applied, ", ") + "."
	case len(removed) > 0:
		return "Tags removed: " + strings.Join(removed, ", ") + "."
	}
	return "Tag names updated."
}
