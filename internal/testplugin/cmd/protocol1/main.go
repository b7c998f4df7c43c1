// Command protocol1 is a plugin built with the SDK of plugin protocol 1:
// the hub's magic cookie, protocol version 1. The host's specs prove that
// the hub refuses it, naming the SDK to rebuild it with.
package main

import (
	"github.com/hashicorp/go-plugin"

	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
)

func main() {
	handshake := sdk.Handshake
	handshake.ProtocolVersion = 1
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         plugin.PluginSet{sdk.PluginName: &sdk.GRPCPlugin{Impl: testplugin.New(testplugin.NewDirectory())}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
