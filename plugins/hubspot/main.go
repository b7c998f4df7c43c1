// Command crmhub-plugin-hubspot is crmhub's HubSpot plugin. The hub starts
// it; it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/hubspot/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
