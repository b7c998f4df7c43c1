package sdk

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings are a CRM's settings as Configure gets them: every value a string,
// already checked against Info.Settings by the hub, defaults filled in. The
// readers parse a value of the setting's type; they answer Invalid, naming
// the setting, for a value that does not parse (possible only when a test
// calls Configure directly).
type Settings map[string]string

// String is the setting's value, "" when unset.
func (s Settings) String(name string) string { return s[name] }

// Int reads a TypeInt setting; 0 when unset.
func (s Settings) Int(name string) (int, error) {
	if s[name] == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s[name]))
	if err != nil {
		return 0, Invalid("setting %s: %q is not a whole number", name, s[name])
	}
	return n, nil
}

// Bool reads a TypeBool setting; false when unset.
func (s Settings) Bool(name string) (bool, error) {
	if s[name] == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s[name]))
	if err != nil {
		return false, Invalid("setting %s: %q is not true or false", name, s[name])
	}
	return b, nil
}

// Duration reads a TypeDuration setting, e.g. "30s"; 0 when unset.
func (s Settings) Duration(name string) (time.Duration, error) {
	if s[name] == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s[name]))
	if err != nil {
		return 0, Invalid("setting %s: %q is not a duration such as 30s", name, s[name])
	}
	return d, nil
}

// List reads a TypeList setting: its comma-separated items, trimmed, empty
// ones dropped; nil when unset.
func (s Settings) List(name string) []string {
	var out []string
	for item := range strings.SplitSeq(s[name], ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// SettingError is one problem with one setting.
type SettingError struct {
	// Key is the setting's name.
	Key string
	// Problem says what is wrong, never quoting a secret's value.
	Problem string
	// Missing is set when the problem is only that a required setting
	// has no value (e.g. credentials not filled in yet).
	Missing bool
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Problem }

// CheckSettings checks given against schema the way the hub does before it
// calls Configure: required settings present, values of their type, enum
// values allowed, no unknown keys. It returns the settings with defaults
// filled in, or every problem found (each a *SettingError, joined).
func CheckSettings(schema []Setting, given map[string]string) (Settings, error) {
	out := make(Settings, len(schema))
	var problems []error
	known := make(map[string]bool, len(schema))
	for _, s := range schema {
		known[s.Name] = true
		v, ok := given[s.Name]
		if !ok || v == "" {
			v = s.Default
		}
		if v == "" {
			if s.Required {
				problems = append(problems, &SettingError{Key: s.Name, Problem: "is required: " + s.Description, Missing: true})
			}
			continue
		}
		if problem := checkValue(s, v); problem != "" {
			problems = append(problems, &SettingError{Key: s.Name, Problem: problem})
			continue
		}
		out[s.Name] = v
	}
	for _, key := range sortedKeys(given) {
		if !known[key] {
			problems = append(problems, &SettingError{Key: key, Problem: "is not a setting of this plugin"})
		}
	}
	return out, errors.Join(problems...)
}

// checkValue says what is wrong with v as a value of s, or "".
func checkValue(s Setting, v string) string {
	shown := func() string {
		if s.Secret {
			return "the value"
		}
		return strconv.Quote(v)
	}
	probe := Settings{s.Name: v}
	switch s.Type {
	case TypeInt:
		if _, err := probe.Int(s.Name); err != nil {
			return shown() + " is not a whole number"
		}
	case TypeBool:
		if _, err := probe.Bool(s.Name); err != nil {
			return shown() + " is not true or false"
		}
	case TypeDuration:
		if _, err := probe.Duration(s.Name); err != nil {
			return shown() + " is not a duration such as 30s"
		}
	case TypeEnum:
		if !slices.Contains(s.Values, v) {
			return fmt.Sprintf("%s is not one of %s", shown(), strings.Join(s.Values, ", "))
		}
	case TypeString, TypeList, "":
	default:
		return fmt.Sprintf("the plugin declares an unknown type %q", s.Type)
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
