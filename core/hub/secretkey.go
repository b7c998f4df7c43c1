package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
)

// openSecretKey loads the secret key file at path, the key every hub on
// this store seals pending passwords with, and makes sure it is the key
// the store was started with.
//
// The store's first start creates the key file when there is none and
// records the key's check value (a store from before the check records
// the key it finds). Later, a hub whose key file is missing or holds
// another key refuses to start: with a key of its own it would seal
// passwords the other hubs cannot open, and could not open theirs. Hubs
// starting together on one PostgreSQL race to record their key; the first
// wins and the others compare — so those sharing one key file all start,
// and one that made a key of its own is refused.
func openSecretKey(ctx context.Context, st *store.Store, path string) (*secret.Box, error) {
	recorded, err := st.Setting(ctx, store.SettingSecretKeyCheck)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return recordSecretKey(ctx, st, path)
	case err != nil:
		return nil, err
	}
	box, err := secret.LoadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret key file %s is missing, but this store was started with one: "+
			"copy the key file from the other hubs or a backup (a new key could not open the passwords waiting to be sent)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret_key_file: %w", err)
	}
	if !box.Matches(recorded) {
		return nil, errOtherKey(path)
	}
	return box, nil
}

// recordSecretKey loads or creates the key file of a store that has no
// key recorded yet, and records its check value unless another hub was
// first.
func recordSecretKey(ctx context.Context, st *store.Store, path string) (*secret.Box, error) {
	box, err := secret.LoadOrCreateKey(path)
	if err != nil {
		return nil, fmt.Errorf("secret_key_file: %w", err)
	}
	recorded, err := st.SettingOrCreate(ctx, store.SettingSecretKeyCheck, func() (string, error) {
		return box.KeyCheck(), nil
	})
	if err != nil {
		return nil, err
	}
	if !box.Matches(recorded) {
		return nil, errOtherKey(path)
	}
	return box, nil
}

func errOtherKey(path string) error {
	return fmt.Errorf("secret key file %s does not match the key this store was started with: "+
		"copy the key file from the other hubs or a backup", path)
}
