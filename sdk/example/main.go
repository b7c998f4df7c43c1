// Command crmhub-plugin-acme is the example crmhub plugin for the imaginary
// Acme CRM. Build it as the hub expects to find it:
//
//	go build -o /path/to/plugins.dir/crmhub-plugin-acme ./example
package main

import (
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/example/acme"
)

func main() { sdk.Serve(acme.New()) }
