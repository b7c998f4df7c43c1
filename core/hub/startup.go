package hub

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/host"
)

// What the operator sees on the terminal when the hub starts: where it
// serves, and for each enabled CRM the webhook URLs to paste into the CRM
// and, when the CRM cannot work yet, what to set. The URLs carry the
// access key: this print is the one deliberate display of it, on the
// operator's own terminal; no log line carries it.

// webhookActions are the actions a CRM's webhook URLs are printed for.
var webhookActions = []string{"add", "update", "update_tags", "test"}

// settleTimeout bounds the wait for plugins to start before the hub says
// which CRMs cannot work yet.
const settleTimeout = 15 * time.Second

// announce prints where the hub serves and every enabled CRM's webhook
// URLs at once, then, once the plugins have started, what the CRMs that
// cannot work yet need.
func (h *Hub) announce(ctx context.Context, w io.Writer) {
	cfg := h.cfg.Load()
	base := "http://" + h.addr.String()
	fmt.Fprintf(w, "crmhub is serving on %s (store: %s)\n", base, displayURL(cfg.Database.URL))
	if cfg.Admin.Token != "" {
		fmt.Fprintf(w, "  admin API: %s/api/v1 (Authorization: Bearer <admin.token>)\n", base)
	} else {
		fmt.Fprintln(w, "  admin API: off (set admin.token to turn it on)")
	}
	fmt.Fprintf(w, "  metrics:   %s/metrics\n", base)
	if cfg.Server.PublicURL == "" && unspecifiedHost(h.addr) {
		fmt.Fprintf(w, "  note: the hub listens on every address; set server.public_url to the URL your CRM reaches it at.\n")
	}
	crms := cfg.Enabled()
	if len(crms) == 0 {
		fmt.Fprintln(w, "\nNo CRM is enabled: set crms.<name>.enabled (the config file is reloaded when it changes).")
	}
	for _, crm := range crms {
		h.printWebhookURLs(w, cfg, crm)
	}
	printAppSecrets(w, cfg, h.appSecrets)
	h.background.Go(func() { h.adviseCRMs(ctx, w, crms) })
}

// printWebhookURLs prints a CRM's webhook URL for every action.
func (h *Hub) printWebhookURLs(w io.Writer, cfg *config.Config, crm string) {
	base := h.publicBaseURL(cfg)
	fmt.Fprintf(w, "\nWebhook URLs for %s — paste them into the CRM; they carry its access key, keep them private:\n", crm)
	for _, action := range webhookActions {
		query := "action=" + url.QueryEscape(action) + "&access_key=" + url.QueryEscape(cfg.CRMAccessKey(crm))
		note := ""
		if action == "test" {
			note = "   (checks the connection; stores nothing)"
		}
		fmt.Fprintf(w, "  %-12s %s/hooks/%s?%s%s\n", action, base, url.PathEscape(crm), query, note)
	}
	if crm == cfg.Server.DefaultCRM {
		fmt.Fprintf(w, "  WP Fusion-style URLs work too: %s/?wpf_action=<action>&access_key=…\n", base)
	}
}

// publicBaseURL is where CRMs reach the hub: server.public_url, else the
// address the hub listens on (with its real port when listen asked for
// port 0).
func (h *Hub) publicBaseURL(cfg *config.Config) string {
	if cfg.Server.PublicURL != "" {
		return cfg.PublicBaseURL()
	}
	return "http://" + h.addr.String()
}

// adviseCRMs waits for the plugins of crms to start, then tells the
// operator what each CRM that cannot work needs. Their webhooks are
// accepted meanwhile and wait, costing no attempt.
func (h *Hub) adviseCRMs(ctx context.Context, w io.Writer, crms []string) {
	if len(crms) == 0 || !h.waitForPlugins(ctx, crms) {
		return
	}
	cfg := h.cfg.Load()
	for _, st := range h.host.Status() {
		if !slices.Contains(crms, st.Name) {
			continue
		}
		switch st.State {
		case host.StateNotConfigured:
			keys := h.settingsToSet(cfg, st)
			h.log.Warn("CRM not configured; its webhooks are accepted and wait", "crm", st.Name, "reason", st.LastError, "set", keys)
			fmt.Fprintf(w, "\nwarning: %s is not configured: %s\n", st.Name, st.LastError)
			for _, key := range keys {
				fmt.Fprintf(w, "  set %s (or the environment variable %s)\n", key, config.EnvName(key))
			}
			if len(keys) == 0 {
				fmt.Fprintf(w, "  fix crms.%s.settings\n", st.Name)
			}
			fmt.Fprintln(w, "  Its webhooks are accepted and wait, costing no attempt, until it is configured;")
			fmt.Fprintln(w, "  the config file is reloaded when it changes (or on SIGHUP).")
		case host.StateCrashed:
			h.log.Warn("CRM plugin does not start; its webhooks are accepted and wait", "crm", st.Name, "reason", st.LastError)
			fmt.Fprintf(w, "\nwarning: the %s plugin does not start: %s\n", st.Name, st.LastError)
			fmt.Fprintf(w, "  check plugins.dir (%s) and crms.%s.plugin; `make build` builds the plugins.\n", cfg.Plugins.Dir, st.Name)
			fmt.Fprintln(w, "  Its webhooks are accepted and wait, costing no attempt, until it runs.")
		}
	}
}

// waitForPlugins waits until each of the crms' plugins runs, or has
// failed to, at most settleTimeout. It reports false when ctx ended first.
func (h *Hub) waitForPlugins(ctx context.Context, crms []string) bool {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		settled := true
		for _, st := range h.pluginStates() {
			// A plugin just handed to the host is stopped until its
			// supervisor starts it.
			if slices.Contains(crms, st.CRM) && (st.State == host.StateStarting || st.State == host.StateStopped) {
				settled = false
			}
		}
		if settled {
			return true
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx) == context.DeadlineExceeded
		case <-tick.C:
		}
	}
}

// settingsToSet names the config keys of the settings a not-configured
// CRM lacks: empty ones its plugin marks required, and empty ones its
// error names.
func (h *Hub) settingsToSet(cfg *config.Config, st host.PluginStatus) []string {
	c := h.host.Client(st.Name)
	if c == nil {
		return nil
	}
	settings := cfg.CRMs[st.Name].Settings
	var keys []string
	for _, s := range c.Info().Settings {
		if strings.TrimSpace(settings[s.Name]) != "" {
			continue
		}
		if s.Required || mentions(st.LastError, s.Name) {
			keys = append(keys, "crms."+st.Name+".settings."+s.Name)
		}
	}
	return keys
}

// mentions reports whether msg names word as a word of its own.
func mentions(msg, word string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(word) + `\b`).MatchString(msg)
}

// displayURL shows a database URL without its password.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

func unspecifiedHost(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsUnspecified()
}
