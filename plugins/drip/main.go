// Command crmhub-plugin-drip is crmhub's Drip plugin. The hub starts it;
// it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/drip/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
