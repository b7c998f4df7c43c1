// Command crmhub-plugin-mailerlite is crmhub's MailerLite plugin. The hub
// starts it; it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/mailerlite/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
