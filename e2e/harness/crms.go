package harness

import (
	"fmt"
	"maps"

	"github.com/crmhub/crmhub/internal/testbin"
)

// CRM is one more CRM's section of the config (crms.<name>), for a CRM
// beside KlickTipp and the test plugins, e.g. HubSpot.CRM or
// Salesforce.CRM.
type CRM struct {
	// Plugin is the plugin's binary (see BuildPlugin).
	Plugin string
	// Settings are the plugin's settings.
	Settings map[string]string
	// Fields maps hub fields to the CRM's fields; nil maps none.
	Fields map[string]string
	// ReturnPasswordField is the CRM field a generated password is
	// written back to; "" writes none.
	ReturnPasswordField string
}

// section is the CRM's config section, at rate (calls per second).
func (c CRM) section(rate float64) map[string]any {
	s := map[string]any{"plugin": c.Plugin, "rate_limit": rate, "settings": maps.Clone(c.Settings)}
	if c.Fields != nil {
		s["fields"] = maps.Clone(c.Fields)
	}
	if c.ReturnPasswordField != "" {
		s["return_password_field"] = c.ReturnPasswordField
	}
	return s
}

// BuildPlugin returns the binary of the plugin in plugins/<name>,
// crmhub-plugin-<name>: prebuilt from CRMHUBTEST_BIN_DIR (`make
// testbins`), or built once per test process.
func BuildPlugin(name string) (string, error) {
	path, err := testbin.Build("github.com/crmhub/crmhub/plugins/"+name, "crmhub-plugin-"+name)
	if err != nil {
		return "", fmt.Errorf("build the %s plugin: %w", name, err)
	}
	return path, nil
}
