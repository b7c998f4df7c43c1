package config

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/knadh/koanf/parsers/yaml"
)

// Redacted is shown in place of a secret.
const Redacted = "<redacted>"

// IsSecretKey reports whether a config key holds a secret by its name:
// any key containing password, secret, token or key.
func IsSecretKey(key string) bool {
	key = strings.ToLower(key)
	for _, w := range []string{"password", "secret", "token", "key"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// Redacted returns the effective configuration as YAML with every secret
// value replaced: keys that IsSecretKey, and CRM settings that a plugin
// marks secret (secretSettings maps a CRM name to those setting names).
// Empty secrets stay empty so an operator sees what is unset.
func (c *Config) Redacted(secretSettings map[string][]string) string {
	b, err := yaml.Parser().Marshal(c.RedactedTree(secretSettings))
	if err != nil {
		return "# cannot show config: " + err.Error()
	}
	return string(b)
}

// RedactedTree is Redacted as nested maps, e.g. to print as JSON.
func (c *Config) RedactedTree(secretSettings map[string][]string) map[string]any {
	return redactTree(c.raw, nil, secretSettings)
}

func redactTree(m map[string]any, path []string, secretSettings map[string][]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		p := append(slices.Clone(path), k)
		switch v := v.(type) {
		case map[string]any:
			out[k] = redactTree(v, p, secretSettings)
		default:
			switch {
			case isSecretPath(p, secretSettings) && v != "" && v != nil:
				out[k] = Redacted
			case isString(v):
				out[k] = RedactURLPassword(v.(string))
			default:
				out[k] = v
			}
		}
	}
	return out
}

func isSecretPath(p []string, secretSettings map[string][]string) bool {
	if IsSecretKey(p[len(p)-1]) {
		return true
	}
	// crms.<name>.settings.<key>
	return len(p) == 4 && p[0] == "crms" && p[2] == "settings" && slices.Contains(secretSettings[p[1]], p[3])
}

func isString(v any) bool { _, ok := v.(string); return ok }

// RedactURLPassword hides the password of a URL such as a database URL or
// an app's URL; any other string is returned as it is.
func RedactURLPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	return u.Redacted()
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
