package plugin

import (
	"github.com/crmhub/crmhub/plugins/drip/api"
	"github.com/crmhub/crmhub/sdk"
)

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "account_id", Required: true,
		Description: "the Drip account's id: the digits after getdrip.com/ in the app's URLs (Settings → General Info)"},
	{Name: "api_token", Required: true, Secret: true,
		Description: "a user's API token (User Settings → API Token); the user must belong to the account"},
	{Name: "base_url", Default: api.DefaultBaseURL, Description: "Drip's API root"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(),
		Description: "bound on one API call, e.g. 20s"},
	{Name: "rate_limit_wait", Type: sdk.TypeDuration, Default: "10m",
		Description: "how long a call waits after Drip's 429 (Drip names no wait; its limit is 3,600 calls an hour)"},
}

// parseSettings checks raw settings and builds the client's config; it
// never quotes the token.
func parseSettings(raw sdk.Settings) (api.Config, error) {
	checked, err := sdk.CheckSettings(settingsInfo, raw)
	if err != nil {
		return api.Config{}, sdk.Invalid("Drip settings: %w", err)
	}
	cfg := api.Config{AccountID: checked.String("account_id"), Token: checked.String("api_token"),
		BaseURL: checked.String("base_url")}
	if cfg.Timeout, err = checked.Duration("timeout"); err != nil {
		return api.Config{}, err
	}
	if cfg.RateLimitWait, err = checked.Duration("rate_limit_wait"); err != nil {
		return api.Config{}, err
	}
	if cfg.Timeout <= 0 || cfg.RateLimitWait <= 0 {
		return api.Config{}, sdk.Invalid("settings timeout and rate_limit_wait must be positive, e.g. 20s")
	}
	if _, err := api.New(cfg); err != nil {
		return api.Config{}, sdk.Invalid("setting %v", err)
	}
	return cfg, nil
}
