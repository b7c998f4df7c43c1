// Command crmhub-plugin-mailchimp is crmhub's Mailchimp plugin. The hub
// starts it; it is not run by hand.
package main

import (
	"github.com/crmhub/crmhub/plugins/mailchimp/plugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() { sdk.Serve(plugin.New()) }
