package hub

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
)

// resolveAppSecrets fills in each app's signing secret that the config
// leaves empty: generated at the app's first start, then kept in the
// store. It reports the apps whose secret came from the store.
func resolveAppSecrets(ctx context.Context, st *store.Store, cfg *config.Config) (generated []string, err error) {
	for _, name := range sortedNames(cfg.Apps) {
		app := cfg.Apps[name]
		if app.Secret != "" {
			continue
		}
		if app.Secret, err = st.SettingOrCreate(ctx, store.AppSecretSetting(name), secret.NewWebhookSecret); err != nil {
			return nil, fmt.Errorf("apps.%s.secret: %w", name, err)
		}
		cfg.Apps[name] = app
		generated = append(generated, name)
	}
	return generated, nil
}

// pushedApps are the enabled apps with a url: those user events are
// pushed to.
func pushedApps(cfg *config.Config) []string {
	var names []string
	for _, name := range cfg.EnabledApps() {
		if cfg.Apps[name].URL != "" {
			names = append(names, name)
		}
	}
	return names
}

func engineApps(cfg *config.Config) []engine.AppConfig {
	var out []engine.AppConfig
	for _, name := range pushedApps(cfg) {
		out = append(out, engine.AppConfig{Name: name, Events: cfg.Apps[name].Events})
	}
	return out
}

// appsOptions cuts the delivery worker's options from cfg. Stale leases
// are released at start only on SQLite, which serves a single process.
func (h *Hub) appsOptions(cfg *config.Config) apps.Options {
	o := apps.Options{
		MaxAttempts:        cfg.Delivery.MaxAttempts,
		BackoffInitial:     cfg.Delivery.BackoffInitial,
		BackoffMax:         cfg.Delivery.BackoffMax,
		Timeout:            cfg.Delivery.Timeout,
		ReleaseStaleLeases: h.store.Dialect() == store.SQLite,
		Observer:           h.metrics,
	}
	for _, name := range pushedApps(cfg) {
		a := cfg.Apps[name]
		o.Apps = append(o.Apps, apps.App{Name: name, URL: a.URL, Secret: a.Secret})
	}
	return o
}

// printAppSecrets prints the signing secrets the hub generated for the
// enabled apps it pushes to: like the webhook URLs' access keys, the one
// deliberate display of them, on the operator's terminal and in no log.
func printAppSecrets(w io.Writer, cfg *config.Config, generated []string) {
	printed := false
	for _, name := range pushedApps(cfg) {
		if !slices.Contains(generated, name) {
			continue
		}
		if !printed {
			fmt.Fprintln(w, "\nSigning secrets of the apps user events are pushed to — give each to its app; keep them private:")
			printed = true
		}
		fmt.Fprintf(w, "  %-12s %s   (to %s)\n", name, cfg.Apps[name].Secret, cfg.Apps[name].URL)
	}
}

func sortedNames(m map[string]config.App) []string { return slices.Sorted(maps.Keys(m)) }

// newlyPushed are the apps of names that next pushes to and prev did not:
// those whose secret a reload prints.
func newlyPushed(prev, next *config.Config, names []string) []string {
	var out []string
	for _, name := range names {
		if slices.Contains(pushedApps(next), name) && !slices.Contains(pushedApps(prev), name) {
			out = append(out, name)
		}
	}
	return out
}
