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
	if err := q.scanAll(ctx, selectColumns[UserField](q)+" WHERE user_id = ?", []any{userID}, &rows); err != nil {
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
	values := make([]any, 0, 3*len(fields))
	for _, name := range slices.Sorted(maps.Keys(fields)) { // a stable order keeps concurrent upserts from deadlocking
		values = append(values, userID, name, fields[name])
	}
	// A row repeated by padding writes the same value twice.
	n, values := q.padded(values, 3)
	if _, err := q.forList(n).exec(ctx, "INSERT INTO user_fields (user_id, name, value) VALUES "+rows(n, 3)+
		" ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value", values...); err != nil {
		return fmt.Errorf("store: write fields of user %d: %w", userID, err)
	}
	return nil
}
