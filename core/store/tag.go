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

// ReplaceTags makes tags the user's tags of one CRM, leaving other CRMs'
// tags alone. Call it in a transaction.
func (q *Queries) ReplaceTags(ctx context.Context, userID int64, crm string, tags []UserTag) error {
	if _, err := q.exec(ctx, "DELETE FROM user_tags WHERE user_id = ? AND crm = ?", userID, crm); err != nil {
		return fmt.Errorf("store: clear %s tags of user %d: %w", crm, userID, err)
	}
	rows := make([]*UserTag, len(tags))
	for i, t := range tags {
		rows[i] = &UserTag{UserID: userID, CRM: crm, TagID: t.TagID, TagName: t.TagName}
	}
	if err := insert(ctx, q, rows); err != nil {
		return fmt.Errorf("store: write %s tags of user %d: %w", crm, userID, err)
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
