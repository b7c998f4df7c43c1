package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/host"
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
	if secrets == nil {
		secrets = map[string][]string{}
	}
	if err := checkPluginSettings(ctx, c, cfg, secrets); err != nil {
		return fmt.Errorf("config is invalid:\n%w", err)
	}
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

// checkPluginSettings checks each enabled CRM's settings against its
// plugin's schema, as the hub does when the plugin starts, for every
// plugin whose binary can be started here (and stopped at once); the
// schema's secret settings join secrets, so they are redacted too.
func checkPluginSettings(ctx context.Context, c *cli, cfg *config.Config, secrets map[string][]string) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var problems []error
	for _, name := range cfg.Enabled() {
		crm := cfg.CRMs[name]
		launchCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		info, err := host.ReadInfo(launchCtx, host.Spec{Name: name, Plugin: crm.Plugin, SHA256: crm.SHA256},
			host.Options{Dir: cfg.Plugins.Dir, Logger: quiet})
		cancel()
		if err != nil {
			continue // no binary to ask here: the hub checks when it starts the plugin
		}
		for _, s := range info.Settings {
			if s.Secret {
				secrets[name] = append(secrets[name], s.Name)
			}
		}
		missing, err := host.CheckSettings(name, info.Settings, crm.Settings)
		if err != nil {
			problems = append(problems, err)
		}
		for _, key := range missing {
			fmt.Fprintf(c.stderr, "warning: %s is not set (or %s): crm %s stays not configured until it is\n",
				key, config.EnvName(key), name)
		}
	}
	return errors.Join(problems...)
}
