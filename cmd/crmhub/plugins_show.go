package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/sdk"
)

// pluginsShowCmd shows a CRM's plugin: it launches the binary to read its
// Info, or, when that fails, shows the Info the hub last recorded.
func pluginsShowCmd(ctx context.Context, c *cli, args []string) error {
	args, err := c.parseArgs("plugins show", args, nil)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		fmt.Fprintln(c.stderr, "give one CRM name")
		c.flags.Usage()
		return errUsage
	}
	name := args[0]
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	crm, ok := cfg.CRMs[name]
	if !ok {
		return fmt.Errorf("no CRM named %q in the config", name)
	}
	detail, err := c.readPlugin(ctx, cfg, name, crm)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(detail)
	}
	printPlugin(c.stdout, detail)
	return nil
}

// readPlugin reads the plugin's Info from its binary, else from the store.
func (c *cli) readPlugin(ctx context.Context, cfg *config.Config, name string, crm config.CRM) (server.PluginDetail, error) {
	spec := host.Spec{Name: name, Plugin: crm.Plugin, SHA256: crm.SHA256}
	launchCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	info, err := host.ReadInfo(launchCtx, spec, host.Options{Dir: cfg.Plugins.Dir, Logger: quiet})
	source := "binary"
	if err != nil {
		stored, ok := c.storedInfo(ctx, name)
		if !ok {
			return server.PluginDetail{}, fmt.Errorf("read the plugin of %s: %w", name, err)
		}
		fmt.Fprintf(c.stderr, "note: could not start the plugin (%v); showing what the hub last recorded\n", err)
		info, source = stored, "store"
	}
	return server.NewPluginDetail(name, info, crm.Settings, source), nil
}

// storedInfo is the Info the hub last recorded for crm, if the store has one.
func (c *cli) storedInfo(ctx context.Context, crm string) (sdk.Info, bool) {
	st, err := c.openStore(ctx)
	if err != nil {
		return sdk.Info{}, false
	}
	defer st.Close()
	rows, err := st.PluginProfiles(ctx)
	if err != nil || rows[crm] == "" {
		return sdk.Info{}, false
	}
	var info sdk.Info
	if json.Unmarshal([]byte(rows[crm]), &info) != nil {
		return sdk.Info{}, false
	}
	return info, true
}

func printPlugin(w io.Writer, d server.PluginDetail) {
	fmt.Fprintf(w, "CRM %s: %s (plugin %s) version %s, plugin protocol %d\n", d.CRM, orDash(d.DisplayName), d.Name, orDash(d.Version), d.ProtocolVersion)
	if d.Source == "store" {
		fmt.Fprintln(w, "(as the hub last recorded it; the binary could not be started)")
	}
	fmt.Fprintln(w, "\nWebhooks:")
	fmt.Fprintf(w, "  checked at the door:   %s\n", yesNo(d.Webhooks.Check))
	fmt.Fprintf(w, "  answer on acceptance:  %s\n", cmpOr(d.Webhooks.Ack, "the hub's 202 JSON"))
	fmt.Fprintf(w, "  default action:        %s\n", cmpOr(d.Webhooks.DefaultAction, "none: the URL names the action"))
	fmt.Fprintln(w, "\nSettings:")
	if len(d.Settings) == 0 {
		fmt.Fprintln(w, "  none")
		return
	}
	for _, s := range d.Settings {
		typ := s.Type
		if len(s.Values) > 0 {
			typ += " (" + strings.Join(s.Values, ", ") + ")"
		}
		var flags []string
		if s.Required {
			flags = append(flags, "required")
		}
		if s.Secret {
			flags = append(flags, "secret")
		}
		if s.Default != "" {
			flags = append(flags, "default "+s.Default)
		}
		extra := ""
		if len(flags) > 0 {
			extra = ", " + strings.Join(flags, ", ")
		}
		fmt.Fprintf(w, "  %s: %s%s\n", s.Name, typ, extra)
		if s.Description != "" {
			fmt.Fprintf(w, "      %s\n", s.Description)
		}
		fmt.Fprintf(w, "      configured: %s\n", cmpOr(s.Value, "(not set)"))
	}
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
