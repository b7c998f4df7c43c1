package plugin

import (
	"github.com/crmhub/crmhub/plugins/activecampaign/api"
	"github.com/crmhub/crmhub/sdk"
)

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "base_url", Required: true,
		Description: "the account's API URL, https://<account>.api-us1.com (ActiveCampaign: Settings → Developer)"},
	{Name: "api_token", Required: true, Secret: true,
		Description: "the account's API key (Settings → Developer), sent as the Api-Token header"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(),
		Description: "bound on one API call, e.g. 20s"},
}

// parseSettings checks raw settings and builds the client's config; it
// never quotes the token.
func parseSettings(raw sdk.Settings) (api.Config, error) {
	if _, err := sdk.CheckSettings(settingsInfo, raw); err != nil {
		return api.Config{}, sdk.Invalid("ActiveCampaign settings: %w", err)
	}
	timeout, err := raw.Duration("timeout")
	if err != nil {
		return api.Config{}, err
	}
	if timeout < 0 || (raw.String("timeout") != "" && timeout == 0) {
		return api.Config{}, sdk.Invalid("setting timeout must be positive, e.g. 20s")
	}
	if timeout == 0 {
		timeout = api.DefaultTimeout
	}
	cfg := api.Config{BaseURL: raw.String("base_url"), Token: raw.String("api_token"), Timeout: timeout}
	if _, err := api.ParseBaseURL(cfg.BaseURL); err != nil {
		return api.Config{}, sdk.Invalid("setting %w", err)
	}
	return cfg, nil
}
