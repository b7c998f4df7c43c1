package main

import (
	"context"
	"fmt"

	"github.com/crmhub/crmhub/core/hub"
)

// migrateCmd brings the store's schema up to date. On SQLite it refuses
// while a hub serves the file (lock.go): the running hub's queries would
// meet a schema changed under them.
func migrateCmd(ctx context.Context, c *cli, args []string) error {
	if _, err := c.parse("migrate", args, nil); err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	release, err := lockSQLite(cfg.Database.URL, "migrate", "stop it first (serve migrates at start)")
	if err != nil {
		return err
	}
	defer release()
	st, err := hub.OpenStore(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "store (%s) is up to date\n", st.Dialect())
	return nil
}
