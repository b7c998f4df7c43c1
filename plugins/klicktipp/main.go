// Command crmhub-plugin-klicktipp is crmhub's KlickTipp plugin. The hub
// starts it; it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/klicktipp/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
