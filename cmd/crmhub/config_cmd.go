package main

import (
	"context"
	"fmt"
)

// configCheckCmd prints the effective config with secrets redacted, or
// every error in it (exit 1).
func configCheckCmd(_ context.Context, c *cli, args []string) error {
	if _, err := c.parse("config check", args, nil); err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return fmt.Errorf("config is invalid:\n%w", err)
	}
	fmt.Fprint(c.stdout, cfg.Redacted(nil))
	return nil
}
