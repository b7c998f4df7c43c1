package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// UserFilter selects users for ListUsers; empty fields match all.
type UserFilter struct {
	// Email matches the address exactly, ignoring case.
	Email string
	// Name matches a part of the username, first or last name, ignoring
	// case.
	Name string
	// Tag matches a tag's name or id; with CRM, only that CRM's tags.
	Tag string
	// CRM keeps users linked to a contact of this CRM.
	CRM string
	// ContactID keeps the user linked to this contact (of CRM, if given).
	ContactID string
}

// ListUsers returns one page of the users f selects, newest first, and the
// cursor of the next page (0 when this is the last).
func (q *Queries) ListUsers(ctx context.Context, f UserFilter, p Page) ([]User, int64, error) {
	var users []User
	if err := q.listUsers(&users, f, p).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: list users: %w", err)
	}
	users, next := cut(p, users, func(u User) int64 { return u.ID })
	return users, next, nil
}

// listUsers selects ListUsers' page into users. A contact id is found
// through contact_links_contact; a tag, on PostgreSQL, through
// user_tags_name and user_tags_tag (on SQLite those would be written at
// every tag change, on the connection every event waits for).
func (q *Queries) listUsers(users *[]User, f UserFilter, p Page) *bun.SelectQuery {
	sel := q.idb.NewSelect().Model(users)
	if f.Email != "" {
		sel = sel.Where("email_key = ?", EmailKey(f.Email))
	}
	if f.Name != "" {
		like := likeInfix(strings.ToLower(strings.TrimSpace(f.Name)))
		sel = sel.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("lower(username) LIKE ? ESCAPE '!'", like).
				WhereOr("lower(first_name) LIKE ? ESCAPE '!'", like).
				WhereOr("lower(last_name) LIKE ? ESCAPE '!'", like)
		})
	}
	if f.CRM != "" || f.ContactID != "" {
		links := q.idb.NewSelect().Model((*ContactLink)(nil)).Column("user_id")
		if f.CRM != "" {
			links = links.Where("crm = ?", f.CRM)
		}
		if f.ContactID != "" {
			links = links.Where("contact_id = ?", f.ContactID)
		}
		sel = sel.Where("id IN (?)", links)
	}
	if f.Tag != "" {
		tagged := q.idb.NewSelect().Model((*UserTag)(nil)).Column("user_id").
			Where("(tag_name = ? OR tag_id = ?)", f.Tag, f.Tag)
		if f.CRM != "" {
			tagged = tagged.Where("crm = ?", f.CRM)
		}
		sel = sel.Where("id IN (?)", tagged)
	}
	return p.paginate(sel)
}

// UserDetails are what a user is shown with: its contacts, tags and fields.
type UserDetails struct {
	Links  []ContactLink
	Tags   []UserTag
	Fields map[string]string
}

// DetailsOf returns the details of several users at once, in one
// statement whatever their number, by user id; a user without any has a
// zero value. Every event that changes a user reads its details to
// publish them, and on PostgreSQL each statement is a round trip.
func (q *Queries) DetailsOf(ctx context.Context, userIDs []int64) (map[int64]UserDetails, error) {
	out := make(map[int64]UserDetails, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	// A single user's statement is prepared once; a page's list of users
	// varies.
	n, ids := q.padded(toAny(userIDs), 1)
	where := " WHERE user_id IN (" + placeholders(n) + ")"
	var rows []detailRow
	err := q.forList(n).scanAll(ctx,
		"SELECT 0 AS part, user_id, crm, contact_id AS name, '' AS value, created_at FROM contact_links"+where+
			" UNION ALL SELECT 1, user_id, crm, tag_id, tag_name, NULL FROM user_tags"+where+
			" UNION ALL SELECT 2, user_id, '', name, value, NULL FROM user_fields"+where+
			" ORDER BY part, crm, value, name",
		slices.Concat(ids, ids, ids), &rows)
	if err != nil {
		return nil, fmt.Errorf("store: read details of users: %w", err)
	}
	for _, r := range rows {
		d := out[r.UserID]
		switch r.Part {
		case detailLink:
			d.Links = append(d.Links, ContactLink{CRM: r.CRM, ContactID: r.Name, UserID: r.UserID, CreatedAt: r.CreatedAt.Time})
		case detailTag:
			d.Tags = append(d.Tags, UserTag{UserID: r.UserID, CRM: r.CRM, TagID: r.Name, TagName: r.Value})
		case detailField:
			if d.Fields == nil {
				d.Fields = map[string]string{}
			}
			d.Fields[r.Name] = r.Value
		}
		out[r.UserID] = d
	}
	return out, nil
}

// detailRow is one row of DetailsOf's statement: a contact (its id as
// name), a tag (id as name, name as value) or a field, as part says.
type detailRow struct {
	Part      int          `bun:"part"`
	UserID    int64        `bun:"user_id"`
	CRM       string       `bun:"crm"`
	Name      string       `bun:"name"`
	Value     string       `bun:"value"`
	CreatedAt bun.NullTime `bun:"created_at"` // a contact's link
}

// The parts of DetailsOf's statement, numbered as it writes them.
const (
	detailLink = iota
	detailTag
	detailField
)

// likeInfix is a LIKE pattern (escape character !) matching strings that
// contain part, taking its % and _ literally.
func likeInfix(part string) string { return "%" + likePrefix(part) }
