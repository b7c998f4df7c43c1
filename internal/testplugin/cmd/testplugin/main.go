// Command testplugin is the test CRM plugin that the host's and the SDK's
// specs launch as a real process. See package testplugin for what it does.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/go-plugin"

	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() {
	crm := testplugin.New(testplugin.NewDirectory())
	switch mode := os.Getenv("CRMHUBTEST_PLUGIN_MODE"); mode {
	case "":
		sdk.Serve(crm)
	case "exit-at-start":
		fmt.Fprintln(os.Stderr, "testplugin: cannot start: told to fail at start")
		os.Exit(3)
	case "wrong-protocol":
		// A plugin built with a future SDK: same cookie, another version.
		handshake := sdk.Handshake
		handshake.ProtocolVersion = sdk.ProtocolVersion + 1
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: handshake,
			Plugins:         plugin.PluginSet{sdk.PluginName: &sdk.GRPCPlugin{Impl: crm}},
			GRPCServer:      plugin.DefaultGRPCServer,
		})
	default:
		fmt.Fprintf(os.Stderr, "testplugin: unknown CRMHUBTEST_PLUGIN_MODE %q\n", mode)
		os.Exit(2)
	}
}
