package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/core/config"
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

// NewPluginDetail describes a CRM's plugin from its Info, with the
// configured settings; source says where the Info came from.
func NewPluginDetail(crm string, info sdk.Info, configured map[string]string, source string) PluginDetail {
	d := PluginDetail{
		CRM: crm, Name: info.Name, DisplayName: info.DisplayName, Version: info.Version,
		ProtocolVersion: info.ProtocolVersion, Source: source, Capabilities: info.Capabilities,
		Webhooks: WebhookDetail{Check: info.Webhooks.Check, DefaultAction: string(info.Webhooks.DefaultAction)},
		Settings: []SettingDetail{},
	}
	if a := info.Webhooks.Ack; a.Status != 0 {
		d.Webhooks.Ack = strings.TrimSpace(fmt.Sprintf("%d %s %s", a.Status, a.ContentType, shorten(strconv.Quote(string(a.Body)), 60)))
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

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
