package main

import (
	"context"
	"fmt"
	"time"
)

// configCheckCmd prints the effective config with secrets redacted, or
// every error in it (exit 1).
func configCheckCmd(ctx context.Context, c *cli, args []string) error {
	if _, err := c.parse("config check", args, nil); err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return fmt.Errorf("config is invalid:\n%w", err)
	}
	secrets := pluginSecrets(ctx, c)
	if c.json {
		return c.printJSON(cfg.RedactedTree(secrets))
	}
	fmt.Fprint(c.stdout, cfg.Redacted(secrets))
	return nil
}

// pluginSecrets names, per CRM, the settings its plugin marks secret, as
// the hub recorded them in the store, so their values are redacted too
// whatever their names. Without a store to ask it is nil: settings are
// then redacted by name alone.
func pluginSecrets(ctx context.Context, c *cli) map[string][]string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := c.openStore(ctx)
	if err != nil {
		return nil
	}
	defer st.Close()
	states, err := st.PluginStates(ctx)
	if err != nil {
		return nil
	}
	secrets := map[string][]string{}
	for _, s := range states {
		secrets[s.CRM] = s.Secret
	}
	return secrets
}
