package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// Fields returns a user's profile fields, hub field name → value.
func (q *Queries) Fields(ctx context.Context, userID int64) (map[string]string, error) {
	var rows []UserField
	if err := q.idb.NewSelect().Model(&rows).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read fields of user %d: %w", userID, err)
	}
	fields := make(map[string]string, len(rows))
	for _, r := range rows {
		fields[r.Name] = r.Value
	}
	return fields, nil
}

// SetFields writes the given fields of a user, inserting or overwriting
// each; fields not named are left alone.
func (q *Queries) SetFields(ctx context.Context, userID int64, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	rows := make([]UserField, 0, len(fields))
	for _, name := range slices.Sorted(maps.Keys(fields)) { // a stable order keeps concurrent upserts from deadlocking
		rows = append(rows, UserField{UserID: userID, Name: name, Value: fields[name]})
	}
	if _, err := q.idb.NewInsert().Model(&rows).
		On("CONFLICT (user_id, name) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx); err != nil {
		return fmt.Errorf("store: write fields of user %d: %w", userID, err)
	}
	return nil
}
