package host

import (
	"maps"
	"path/filepath"
	"strings"
)

// Spec is one enabled CRM, from the config's crms.<name>.
type Spec struct {
	// Name is the CRM's name, e.g. "klicktipp".
	Name string
	// Plugin names the binary: "klicktipp" runs <Dir>/crmhub-plugin-klicktipp;
	// a value containing a path separator is a path.
	Plugin string
	// SHA256, when set, is the hex checksum the binary must have.
	SHA256 string
	// Settings are handed to the plugin's Configure verbatim.
	Settings map[string]string
	// RateLimit is how many calls per second may reach the CRM's API
	// (GetContact, FindContact, ListTags, ListFields, UpdateContact), all
	// callers together; 0 means unlimited.
	RateLimit float64
}

// BinaryPrefix starts the file name of every plugin binary in the plugin
// directory.
const BinaryPrefix = "crmhub-plugin-"

// binary is the path of the plugin binary to run.
func (s Spec) binary(dir string) string {
	if strings.ContainsRune(s.Plugin, filepath.Separator) || strings.ContainsRune(s.Plugin, '/') {
		return s.Plugin
	}
	path := filepath.Join(dir, BinaryPrefix+s.Plugin)
	if !strings.ContainsRune(path, filepath.Separator) {
		path = "." + string(filepath.Separator) + path // the working directory, never $PATH
	}
	return path
}

// sameProcess reports whether a plugin started for s can keep serving t:
// everything but the rate limit needs a fresh start.
func (s Spec) sameProcess(t Spec) bool {
	return s.Name == t.Name && s.Plugin == t.Plugin && strings.EqualFold(s.SHA256, t.SHA256) &&
		maps.Equal(s.Settings, t.Settings)
}
