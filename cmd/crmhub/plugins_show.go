package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/sdk"
)

// PluginDetail is what `crmhub plugins show --json` prints: the plugin's
// Info as an operator reads it, with the CRM's configured values.
type PluginDetail struct {
	CRM             string          `json:"crm"`
	Name            string          `json:"name"`
	DisplayName     string          `json:"display_name"`
	Version         string          `json:"version"`
	ProtocolVersion int             `json:"protocol_version"`
	Webhooks        WebhookDetail   `json:"webhooks"`
	Settings        []SettingDetail `json:"settings"`
	Source          string          `json:"source"` // "binary" or "store" (the Info the hub last recorded)
	Capabilities    []string        `json:"capabilities,omitempty"`
}

// WebhookDetail is a plugin's webhook profile.
type WebhookDetail struct {
	// Check: the plugin checks every request before it is stored.
	Check bool `json:"check"`
	// Ack describes the answer to an accepted request; "" is the hub's 202 JSON.
	Ack           string `json:"ack,omitempty"`
	DefaultAction string `json:"default_action,omitempty"`
}

// SettingDetail is one setting of the schema and its configured value
// (a secret's shown as "(set)" or "(not set)").
type SettingDetail struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Values      []string `json:"values,omitempty"`
	Default     string   `json:"default,omitempty"`
	Required    bool     `json:"required"`
	Secret      bool     `json:"secret"`
	Description string   `json:"description"`
	Value       string   `json:"value"`
}

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
func (c *cli) readPlugin(ctx context.Context, cfg *config.Config, name string, crm config.CRM) (PluginDetail, error) {
	spec := host.Spec{Name: name, Plugin: crm.Plugin, SHA256: crm.SHA256}
	launchCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	info, err := host.ReadInfo(launchCtx, spec, host.Options{Dir: cfg.Plugins.Dir, Logger: quiet})
	source := "binary"
	if err != nil {
		stored, ok := c.storedInfo(ctx, name)
		if !ok {
			return PluginDetail{}, fmt.Errorf("read the plugin of %s: %w", name, err)
		}
		fmt.Fprintf(c.stderr, "note: could not start the plugin (%v); showing what the hub last recorded\n", err)
		info, source = stored, "store"
	}
	return pluginDetail(name, info, crm.Settings, source), nil
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

func pluginDetail(crm string, info sdk.Info, configured map[string]string, source string) PluginDetail {
	d := PluginDetail{
		CRM: crm, Name: info.Name, DisplayName: info.DisplayName, Version: info.Version,
		ProtocolVersion: info.ProtocolVersion, Source: source, Capabilities: info.Capabilities,
		Webhooks: WebhookDetail{Check: info.Webhooks.Check, DefaultAction: string(info.Webhooks.DefaultAction)},
		Settings: []SettingDetail{},
	}
	if a := info.Webhooks.Ack; a.Status != 0 {
		d.Webhooks.Ack = strings.TrimSpace(fmt.Sprintf("%d %s %s", a.Status, a.ContentType, short(strconv.Quote(string(a.Body)), 60)))
	}
	for _, s := range info.Settings {
		typ := s.Type
		if typ == "" {
			typ = sdk.TypeString
		}
		value, set := configured[s.Name]
		switch {
		case (s.Secret || config.IsSecretKey(s.Name)) && set && value != "":
			value = "(set)"
		case s.Secret || config.IsSecretKey(s.Name):
			value = "(not set)"
		}
		d.Settings = append(d.Settings, SettingDetail{Name: s.Name, Type: string(typ), Values: s.Values, Default: s.Default,
			Required: s.Required, Secret: s.Secret, Description: s.Description, Value: value})
	}
	return d
}

func printPlugin(w io.Writer, d PluginDetail) {
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
