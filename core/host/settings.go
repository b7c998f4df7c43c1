package host

import (
	"errors"
	"fmt"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// settingsError names every problem of sdk.CheckSettings by its config
// key, crms.<name>.settings.<key>, so the operator knows what to fix.
// sdk.CheckSettings never quotes a secret's value, so neither does this.
func settingsError(crm string, err error) error {
	var lines []string
	for _, e := range unjoin(err) {
		var se *sdk.SettingError
		if errors.As(e, &se) {
			lines = append(lines, fmt.Sprintf("crms.%s.settings.%s %s", crm, se.Key, se.Problem))
			continue
		}
		lines = append(lines, e.Error())
	}
	return fmt.Errorf("settings: %s", strings.Join(lines, "; "))
}

// CheckSettings checks a CRM's settings against its plugin's schema the
// way the host does before Configure, naming each problem by its config
// key; for `crmhub config check`.
func CheckSettings(crm string, schema []sdk.Setting, given map[string]string) error {
	if _, err := sdk.CheckSettings(schema, given); err != nil {
		return settingsError(crm, err)
	}
	return nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
