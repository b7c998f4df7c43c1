package plugin

import (
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/plugins/hubspot/api"
	"github.com/crmhub/crmhub/sdk"
)

// defaultProperties are the contact properties GetContact reads unless the
// operator names others.
var defaultProperties = []string{"email", "firstname", "lastname", "phone"}

// settingsInfo describes every setting Configure reads.
var settingsInfo = []sdk.Setting{
	{Name: "base_url", Default: api.DefaultBaseURL, Description: "HubSpot's API root"},
	{Name: "access_token", Required: true, Secret: true, Description: "a private app's access token (sent as Bearer); scopes crm.objects.contacts.read/write, crm.lists.read, crm.schemas.contacts.read"},
	{Name: "client_secret", Secret: true, Description: "the HubSpot app's client secret; when set, every webhook must carry a valid v3 HubSpot signature timestamped within 5 minutes"},
	{Name: "allow_unsigned_workflows", Type: sdk.TypeBool, Default: "false", Description: "with client_secret set, still accept an unsigned request whose body is one workflow contact (workflow webhooks are not signed with the app's secret)"},
	{Name: "allow_v1_signatures", Type: sdk.TypeBool, Default: "false", Description: "with client_secret set, also accept a request signed only v1 or v2 (weaker: no timestamp, v1 not even the URL, so a captured request can be replayed at any time)"},
	{Name: "tags", Default: "lists", Description: "what a contact's tags are: lists (its static list memberships, named by list) or property:<name> (the ;-separated values of a multiple-checkbox property)"},
	{Name: "properties", Type: sdk.TypeList, Default: strings.Join(defaultProperties, ","), Description: "the contact properties GetContact reads; name every property the hub's field mapping uses"},
	{Name: "timeout", Type: sdk.TypeDuration, Default: api.DefaultTimeout.String(), Description: "bound on one API call"},
}

// settings are the checked form of Configure's settings.
type settings struct {
	client                 api.Config
	clientSecret           string
	allowUnsignedWorkflows bool
	allowV1Signatures      bool
	tagProperty            string // "" for lists
	properties             []string
}

// parseSettings checks raw settings and says what to fix; it never quotes
// a secret. Empty values take the defaults (the hub fills them in; a test
// calling Configure directly may not).
func parseSettings(raw sdk.Settings) (settings, error) {
	for key := range raw {
		if !slices.ContainsFunc(settingsInfo, func(s sdk.Setting) bool { return s.Name == key }) {
			return settings{}, sdk.Invalid("unknown setting %q: HubSpot takes %s", key, settingNames())
		}
	}
	get := func(key string) string { return strings.TrimSpace(raw[key]) }
	var s settings
	s.client.BaseURL = get("base_url")
	s.client.AccessToken = get("access_token")
	if s.client.AccessToken == "" {
		return settings{}, sdk.Invalid("setting access_token is empty: paste a private app's access token")
	}
	s.clientSecret = get("client_secret")

	var err error
	if s.allowUnsignedWorkflows, err = raw.Bool("allow_unsigned_workflows"); err != nil {
		return settings{}, err
	}
	if s.allowV1Signatures, err = raw.Bool("allow_v1_signatures"); err != nil {
		return settings{}, err
	}
	switch tags := get("tags"); {
	case tags == "" || tags == "lists":
	case strings.HasPrefix(tags, "property:") && validName(strings.TrimPrefix(tags, "property:")):
		s.tagProperty = strings.TrimPrefix(tags, "property:")
	default:
		return settings{}, sdk.Invalid("setting tags is %q: use lists or property:<internal property name>", tags)
	}
	s.properties = raw.List("properties")
	if len(s.properties) == 0 {
		s.properties = slices.Clone(defaultProperties)
	}
	for _, p := range s.properties {
		if !validName(p) {
			return settings{}, sdk.Invalid("setting properties names %q: use HubSpot's internal property names (lower case, digits, _)", p)
		}
	}
	if !slices.Contains(s.properties, "email") {
		s.properties = append(s.properties, "email")
	}
	if s.tagProperty != "" && !slices.Contains(s.properties, s.tagProperty) {
		s.properties = append(s.properties, s.tagProperty)
	}
	if t := get("timeout"); t != "" {
		if s.client.Timeout, err = time.ParseDuration(t); err != nil || s.client.Timeout <= 0 {
			return settings{}, sdk.Invalid("setting timeout is %q: use a positive duration such as 20s", t)
		}
	}
	return s, nil
}

// validName holds for a HubSpot internal property name.
func validName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r >= 'A' && r <= 'Z')
	})
}

func settingNames() string {
	names := make([]string, len(settingsInfo))
	for i, s := range settingsInfo {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
