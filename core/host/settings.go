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
// way the host does before Configure, for `crmhub config check`. It
// returns the config keys of required settings left empty apart from the
// other problems, each named by its config key: an empty credential is
// the shipped config's normal state (the CRM waits, not configured),
// while a value of the wrong type or an unknown key is a mistake.
func CheckSettings(crm string, schema []sdk.Setting, given map[string]string) (missing []string, err error) {
	_, err = sdk.CheckSettings(schema, given)
	if err == nil {
		return nil, nil
	}
	var others []error
	for _, e := range unjoin(err) {
		var se *sdk.SettingError
		if errors.As(e, &se) && se.Missing {
			missing = append(missing, "crms."+crm+".settings."+se.Key)
			continue
		}
		others = append(others, e)
	}
	if len(others) > 0 {
		return missing, settingsError(crm, errors.Join(others...))
	}
	return missing, nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
