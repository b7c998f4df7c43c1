package sdk

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// Handshake is what the hub and a plugin check before they talk: the magic
// cookie keeps a plugin from being run by hand by mistake, and the hub
// refuses a plugin whose protocol version differs from its own.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "CRMHUB_PLUGIN",
	MagicCookieValue: "7c1f0d6e-crmhub-crm-plugin",
}

// PluginName is the name a plugin process serves its CRM under.
const PluginName = "crm"

// MaxMessageBytes is the largest gRPC message between the hub and a
// plugin, either way (gRPC's own default is 4 MiB). It bounds the largest
// webhook the hub can hand to a plugin: the hub refuses a server.max_body
// above half of it, which leaves room for headers and encoding.
const MaxMessageBytes = 64 << 20

// parentPollInterval is how often a plugin checks that the hub that started
// it is still alive.
const parentPollInterval = 500 * time.Millisecond

var logger = hclog.New(&hclog.LoggerOptions{
	Level:      hclog.Debug,
	Output:     os.Stderr,
	JSONFormat: true,
})

// Logger returns the plugin's logger. Its lines go to stderr as JSON, which
// the hub reads and writes into its own log under the CRM's name. Serve also
// makes it hclog's default logger.
func Logger() hclog.Logger { return logger }

// Serve runs impl as a crmhub plugin until the hub stops it. It is all a
// plugin's main calls:
//
//	func main() { sdk.Serve(myplugin.New()) }
//
// Serve does not return while the hub is connected. When the hub process
// dies, even by SIGKILL, the plugin notices within a second and exits, so
// no orphan is left behind.
func Serve(impl CRM) {
	hclog.SetDefault(logger)
	go exitWithParent(os.Getppid(), parentPollInterval)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}},
		GRPCServer:      newGRPCServer,
		Logger:          logger,
	})
}

// streamWorkers is how many goroutines of a plugin's gRPC server are kept
// to serve calls. By default gRPC starts a goroutine for each call, which
// grows its stack anew every time: a tenth of the KlickTipp plugin's CPU
// in a burst of update_tags. Kept goroutines keep their grown stacks; a
// call that finds them all busy gets a goroutine of its own, as before.
const streamWorkers = 16

// newGRPCServer is go-plugin's server with message limits of
// MaxMessageBytes and streamWorkers kept to serve calls.
func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes),
		grpc.NumStreamWorkers(streamWorkers))
	return plugin.DefaultGRPCServer(opts)
}

// exitWithParent ends the process once its parent is gone. go-plugin does
// not do this by itself: a plugin whose hub was SIGKILLed would keep
// serving a socket nobody reads. An orphan is re-parented (to init or a
// subreaper), so a changed parent pid means the hub died.
func exitWithParent(parent int, every time.Duration) {
	for range time.Tick(every) {
		if os.Getppid() != parent {
			logger.Error("the hub that started this plugin is gone; exiting", "hub_pid", parent)
			os.Exit(2)
		}
	}
}

// GRPCPlugin is the go-plugin glue that serves a CRM over gRPC inside a
// plugin process. Serve uses it, and sdktest uses it to serve a plugin in
// the test's own process; a plugin's main needs neither. The hub's side of
// the connection is sdk/pluginclient.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the CRM to serve.
	Impl CRM
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the CRM service on s.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	crmv1.RegisterCRMServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient is not offered here: the hub's client is sdk/pluginclient.
func (p *GRPCPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("sdk.GRPCPlugin only serves a CRM; the hub's client is sdk/pluginclient.Plugin")
}
