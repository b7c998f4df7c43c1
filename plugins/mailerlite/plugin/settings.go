package plugin

import (
	"strings"

	"github.com/crmhub/crmhub/plugins/mailerlite/api"
	"github.com/crmhub/crmhub/sdk"
)

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "api_key", Required: true, Secret: true,
		Description: "a MailerLite API key (Integrations → MailerLite API → Generate new token)"},
	{Name: "webhook_secret", Secret: true,
		Description: "the webhook's signing secret MailerLite shows for the webhook; when set, unsigned or wrongly signed requests are refused at the door"},
	{Name: "base_url", Default: api.DefaultBaseURL, Description: "MailerLite's API root (change only for tests)"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(), Description: "bound on one API call"},
}

// settings are the checked form of Configure's settings.
type settings struct {
	client api.Config
	secret string
}

// parseSettings checks raw settings; it never quotes a secret.
func parseSettings(raw sdk.Settings) (settings, error) {
	known := map[string]bool{}
	for _, s := range settingsInfo {
		known[s.Name] = true
	}
	for key := range raw {
		if !known[key] {
			return settings{}, sdk.Invalid("unknown setting %q: MailerLite takes api_key, webhook_secret, base_url, timeout", key)
		}
	}
	s := settings{
		client: api.Config{APIKey: strings.TrimSpace(raw.String("api_key")), BaseURL: strings.TrimSpace(raw.String("base_url"))},
		secret: strings.TrimSpace(raw.String("webhook_secret")),
	}
	if s.client.APIKey == "" {
		return settings{}, sdk.Invalid("setting api_key is empty: paste a MailerLite API key")
	}
	var err error
	if s.client.Timeout, err = raw.Duration("timeout"); err != nil {
		return settings{}, err
	}
	if s.client.Timeout < 0 {
		return settings{}, sdk.Invalid("setting timeout must be positive")
	}
	return s, nil
}
