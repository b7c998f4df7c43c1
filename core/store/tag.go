package store

import (
	"context"
	"fmt"
)

// Tags returns a user's tags of every CRM, ordered by CRM and tag name.
func (q *Queries) Tags(ctx context.Context, userID int64) ([]UserTag, error) {
	var tags []UserTag
	err := q.idb.NewSelect().Model(&tags).Where("user_id = ?", userID).Order("crm", "tag_name", "tag_id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read tags of user %d: %w", userID, err)
	}
	return tags, nil
}

// ChangeTags changes a user's tags of one CRM, leaving other CRMs' tags
// alone: put adds tags or renames them, drop removes tags by id. Only the
// rows that change are written, and their index entries, not the rows of
// every tag the user keeps. Call it in a transaction.
func (q *Queries) ChangeTags(ctx context.Context, userID int64, crm string, put []UserTag, drop []string) error {
	if len(drop) > 0 {
		n, ids := q.padded(toAny(drop), 1)
		if _, err := q.forList(n).exec(ctx, "DELETE FROM user_tags WHERE user_id = ? AND crm = ? AND tag_id IN ("+placeholders(n)+")",
			append([]any{userID, crm}, ids...)...); err != nil {
			return fmt.Errorf("store: remove %s tags of user %d: %w", crm, userID, err)
		}
	}
	if len(put) > 0 {
		values := make([]any, 0, 4*len(put))
		for _, t := range put {
			values = append(values, userID, crm, t.TagID, t.TagName)
		}
		// A row repeated by padding writes the same name twice.
		n, values := q.padded(values, 4)
		if _, err := q.forList(n).exec(ctx, "INSERT INTO user_tags (user_id, crm, tag_id, tag_name) VALUES "+rows(n, 4)+
			" ON CONFLICT (user_id, crm, tag_id) DO UPDATE SET tag_name = excluded.tag_name", values...); err != nil {
			return fmt.Errorf("store: write %s tags of user %d: %w", crm, userID, err)
		}
	}
	return nil
}

// CRMTags returns a user's tags of one CRM, ordered by tag name.
func (q *Queries) CRMTags(ctx context.Context, userID int64, crm string) ([]UserTag, error) {
	var tags []UserTag
	err := q.scanAll(ctx, selectColumns[UserTag](q)+" WHERE user_id = ? AND crm = ? ORDER BY tag_name, tag_id", []any{userID, crm}, &tags)
	if err != nil {
		return nil, fmt.Errorf("store: read %s tags of user %d: %w", crm, userID, err)
	}
	return tags, nil
}
