package plugin

import (
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/sdk"
)

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "base_url", Default: api.DefaultBaseURL, Description: "KlickTipp's API root"},
	{Name: "username", Required: true, Description: "the KlickTipp API user (a dedicated user with API access)"},
	{Name: "password", Secret: true, Description: "the API user's password (session login); or use developer_key and customer_key"},
	{Name: "developer_key", Secret: true, Description: "partner developer key, hexadecimal, with customer_key instead of password"},
	{Name: "customer_key", Secret: true, Description: "partner customer key, with developer_key instead of password"},
	{Name: "tags", Type: sdk.TypeEnum, Values: []string{"manual", "all"}, Default: "manual",
		Description: "which tags a contact reports: manual (tags applied by hand, automation or API) or all (SmartTags too)"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(), Description: "bound on one API call, a Go duration such as 20s"},
}

// settings are the checked form of Configure's settings.
type settings struct {
	client   api.Config
	authMode string // "session" or "partner", for the log
	allTags  bool
}

// parseSettings checks raw settings and says what to fix; it never quotes
// a secret. Empty values count as not set. What only the API client can
// judge (the URL's form, the developer key's) api.New checks.
func parseSettings(raw map[string]string) (settings, error) {
	for key := range raw {
		if !slices.ContainsFunc(settingsInfo, func(s sdk.Setting) bool { return s.Name == key }) {
			return settings{}, sdk.Invalid("unknown setting %q: KlickTipp takes %s", key, settingNames())
		}
	}
	get := func(key string) string { return strings.TrimSpace(raw[key]) }

	var s settings
	var err error
	s.client.BaseURL = get("base_url")
	if s.client.Auth, s.authMode, err = parseAuth(get("username"), raw["password"], get("developer_key"), get("customer_key")); err != nil {
		return settings{}, err
	}

	switch get("tags") {
	case "", "manual":
	case "all":
		s.allTags = true
	default:
		return settings{}, sdk.Invalid("setting tags is %q: use manual (tags applied by hand or automation) or all (SmartTags too)", get("tags"))
	}

	if t := get("timeout"); t != "" {
		if s.client.Timeout, err = time.ParseDuration(t); err != nil || s.client.Timeout <= 0 {
			return settings{}, sdk.Invalid("setting timeout is %q: use a positive Go duration such as 20s", t)
		}
	}
	return s, nil
}

// parseAuth picks the one authentication the settings complete: a
// password (session login) or a developer and a customer key (partner).
func parseAuth(username, password, developerKey, customerKey string) (api.Auth, string, error) {
	partnerKeys := developerKey != "" || customerKey != ""
	switch {
	case username == "":
		return nil, "", sdk.Invalid("setting username is empty: name the KlickTipp API user")
	case password != "" && partnerKeys:
		return nil, "", sdk.Invalid("both password and partner keys are set: use password for a session login, " +
			"or developer_key and customer_key for partner access, not both")
	case password != "":
		return api.Session{Username: username, Password: password}, "session", nil
	case developerKey != "" && customerKey != "":
		return api.Partner{Username: username, DeveloperKey: developerKey, CustomerKey: customerKey}, "partner", nil
	case partnerKeys:
		return nil, "", sdk.Invalid("partner access needs both developer_key and customer_key; one is empty")
	default:
		return nil, "", sdk.Invalid("no credentials: set password (session login), or developer_key and customer_key (partner access)")
	}
}

func settingNames() string {
	names := make([]string, len(settingsInfo))
	for i, s := range settingsInfo {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
