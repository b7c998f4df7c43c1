package plugin

import (
	"regexp"
	"strings"
	"time"

	"github.com/crmhub/crmhub/plugins/salesforce/api"
	"github.com/crmhub/crmhub/plugins/salesforce/sfid"
	"github.com/crmhub/crmhub/sdk"
)

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "login_url", Default: api.DefaultLoginURL,
		Description: "where tokens come from: the org's My Domain URL (https://<domain>.my.salesforce.com), which the client credentials flow needs in most orgs"},
	{Name: "client_id", Required: true, Description: "the connected app's consumer key (OAuth 2.0 client credentials flow enabled)"},
	{Name: "client_secret", Required: true, Secret: true, Description: "the connected app's consumer secret"},
	{Name: "organization_id", Required: true,
		Description: "the org's 15- or 18-character id (Setup → Company Information); Outbound Messages from any other org are refused"},
	{Name: "api_version", Default: api.DefaultAPIVersion, Description: "the REST API version, such as " + api.DefaultAPIVersion},
	{Name: "tags", Default: "topics",
		Description: "where a contact's tags come from: topics (the Contact's topics), or picklist:<Field__c> (a multi-select picklist's ;-separated values)"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(), Description: "bound on one API call, such as 20s"},
}

// settings are the checked form of Configure's settings.
type settings struct {
	client api.Config
	orgID  string
	// picklist is the field whose values are the tags; "" means topics.
	picklist string
}

var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// parseSettings checks raw settings and says what to fix; it never quotes
// the secret.
func parseSettings(raw sdk.Settings) (settings, error) {
	get := func(key string) string { return strings.TrimSpace(raw[key]) }
	for key := range raw {
		known := false
		for _, s := range settingsInfo {
			known = known || s.Name == key
		}
		if !known {
			return settings{}, sdk.Invalid("unknown setting %q", key)
		}
	}
	var s settings
	s.orgID = get("organization_id")
	if !sfid.Valid(s.orgID) || !strings.HasPrefix(s.orgID, "00D") {
		return settings{}, sdk.Invalid("setting organization_id is %q: give the org's id, 15 or 18 characters starting with 00D, "+
			"exactly as Setup → Company Information shows it (case matters)", s.orgID)
	}
	switch tags := get("tags"); {
	case tags == "" || tags == "topics":
	case strings.HasPrefix(tags, "picklist:") && fieldName.MatchString(strings.TrimPrefix(tags, "picklist:")):
		s.picklist = strings.TrimPrefix(tags, "picklist:")
	default:
		return settings{}, sdk.Invalid("setting tags is %q: use topics, or picklist:<Field__c> naming a multi-select picklist field", tags)
	}
	timeout, err := raw.Duration("timeout")
	if err != nil {
		return settings{}, err
	}
	if timeout < 0 || timeout > 10*time.Minute {
		return settings{}, sdk.Invalid("setting timeout is %s: use a positive duration up to 10m, such as 20s", timeout)
	}
	s.client = api.Config{
		LoginURL:     get("login_url"),
		ClientID:     get("client_id"),
		ClientSecret: raw["client_secret"],
		APIVersion:   get("api_version"),
		Timeout:      timeout,
	}
	return s, nil
}
