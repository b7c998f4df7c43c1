// Command crmhub-plugin-salesforce is crmhub's Salesforce plugin. The hub
// starts it; it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/salesforce/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
