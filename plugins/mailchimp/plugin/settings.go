package plugin

import (
	"strings"

	"github.com/crmhub/crmhub/plugins/mailchimp/api"
	"github.com/crmhub/crmhub/sdk"
)

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "api_key", Required: true, Secret: true,
		Description: "a Mailchimp API key (Profile → Extras → API keys), ending in its data center, e.g. …-us6"},
	{Name: "list_id", Required: true,
		Description: "the audience's id (Audience → Settings → Audience name and defaults → Audience ID)"},
	{Name: "base_url",
		Description: "the API root; default https://<dc>.api.mailchimp.com/3.0 from the key's data center (set only for tests)"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(),
		Description: "bound on one API call"},
	{Name: "max_connections", Type: sdk.TypeInt, Default: "10",
		Description: "API calls open at once; Mailchimp allows 10 per key, shared by every client of the key"},
}

// parseSettings checks raw settings and returns the client's config; it
// never quotes the key.
func parseSettings(raw sdk.Settings) (api.Config, error) {
	known := map[string]bool{}
	for _, s := range settingsInfo {
		known[s.Name] = true
	}
	for key := range raw {
		if !known[key] {
			return api.Config{}, sdk.Invalid("unknown setting %q: Mailchimp takes api_key, list_id, base_url, timeout, max_connections", key)
		}
	}
	cfg := api.Config{
		APIKey:  strings.TrimSpace(raw.String("api_key")),
		ListID:  strings.TrimSpace(raw.String("list_id")),
		BaseURL: strings.TrimSpace(raw.String("base_url")),
	}
	if cfg.APIKey == "" {
		return api.Config{}, sdk.Invalid("setting api_key is empty: paste a Mailchimp API key")
	}
	if _, err := api.Datacenter(cfg.APIKey); err != nil {
		return api.Config{}, sdk.Invalid("setting %v", err)
	}
	var err error
	if cfg.Timeout, err = raw.Duration("timeout"); err != nil {
		return api.Config{}, err
	}
	if cfg.Timeout < 0 {
		return api.Config{}, sdk.Invalid("setting timeout must be positive")
	}
	if cfg.MaxConnections, err = raw.Int("max_connections"); err != nil {
		return api.Config{}, err
	}
	if cfg.MaxConnections < 0 || cfg.MaxConnections > 10 {
		return api.Config{}, sdk.Invalid("setting max_connections is %d: use 1 to 10 (Mailchimp's limit per key)", cfg.MaxConnections)
	}
	return cfg, nil
}
