package store

import (
	"context"
	"fmt"
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
	sel := q.idb.NewSelect().Model(&users)
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
	if err := p.paginate(sel).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: list users: %w", err)
	}
	users, next := cut(p, users, func(u User) int64 { return u.ID })
	return users, next, nil
}

// UserDetails are what a user is shown with: its contacts, tags and fields.
type UserDetails struct {
	Links  []ContactLink
	Tags   []UserTag
	Fields map[string]string
}

// DetailsOf returns the details of several users at once (three queries,
// whatever their number), by user id; a user without any has a zero value.
func (q *Queries) DetailsOf(ctx context.Context, userIDs []int64) (map[int64]UserDetails, error) {
	out := make(map[int64]UserDetails, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	// A single user's, as every event that changes a user publishes them,
	// are read by statements prepared once; a page's list of users varies.
	n, ids := q.padded(toAny(userIDs), 1)
	in := q.forList(n)
	where := " WHERE user_id IN (" + placeholders(n) + ")"
	var links []ContactLink
	if err := in.scanAll(ctx, selectColumns[ContactLink](q)+where+" ORDER BY crm", ids, &links); err != nil {
		return nil, fmt.Errorf("store: read contacts of users: %w", err)
	}
	var tags []UserTag
	if err := in.scanAll(ctx, selectColumns[UserTag](q)+where+" ORDER BY crm, tag_name, tag_id", ids, &tags); err != nil {
		return nil, fmt.Errorf("store: read tags of users: %w", err)
	}
	var fields []UserField
	if err := in.scanAll(ctx, selectColumns[UserField](q)+where, ids, &fields); err != nil {
		return nil, fmt.Errorf("store: read fields of users: %w", err)
	}
	for _, l := range links {
		d := out[l.UserID]
		d.Links = append(d.Links, l)
		out[l.UserID] = d
	}
	for _, t := range tags {
		d := out[t.UserID]
		d.Tags = append(d.Tags, t)
		out[t.UserID] = d
	}
	for _, f := range fields {
		d := out[f.UserID]
		if d.Fields == nil {
			d.Fields = map[string]string{}
		}
		d.Fields[f.Name] = f.Value
		out[f.UserID] = d
	}
	return out, nil
}

// likeInfix is a LIKE pattern (escape character !) matching strings that
// contain part, taking its % and _ literally.
func likeInfix(part string) string { return "%" + likePrefix(part) }
