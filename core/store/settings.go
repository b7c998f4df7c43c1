package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting keys.
const (
	// SettingAccessKey holds the generated global webhook access key.
	SettingAccessKey = "access_key"
	// SettingSecretKeyCheck holds the check value of the secret key the
	// store's sealed values need (secret.Box.KeyCheck), recorded at the
	// first start: a hub with another key file is refused.
	SettingSecretKeyCheck = "secret_key_check"
)

// AppSecretSetting is the setting that keeps an app's generated signing
// secret.
func AppSecretSetting(app string) string { return "app_secret." + app }

// Setting returns the value of key, or ErrNotFound.
func (q *Queries) Setting(ctx context.Context, key string) (string, error) {
	var row Setting
	err := q.idb.NewSelect().Model(&row).Where("key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: read setting %s: %w", key, err)
	}
	return row.Value, nil
}

// SettingOrCreate returns the value of key; when there is none, it stores
// the value made by create and returns it. When several hubs race, all
// get the value that was stored first.
func (q *Queries) SettingOrCreate(ctx context.Context, key string, create func() (string, error)) (string, error) {
	if v, err := q.Setting(ctx, key); !errors.Is(err, ErrNotFound) {
		return v, err
	}
	v, err := create()
	if err != nil {
		return "", fmt.Errorf("store: create setting %s: %w", key, err)
	}
	_, err = q.idb.NewInsert().Model(&Setting{Key: key, Value: v}).On("CONFLICT (key) DO NOTHING").Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("store: save setting %s: %w", key, err)
	}
	return q.Setting(ctx, key)
}
