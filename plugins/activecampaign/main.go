// Command crmhub-plugin-activecampaign is crmhub's ActiveCampaign plugin.
// The hub starts it; it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/activecampaign/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
