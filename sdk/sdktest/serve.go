package sdktest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
)

// Serve serves impl in this process over a real gRPC connection (a Unix
// socket in a temporary directory) with the same server and client
// adapters the hub and sdk.Serve use, and returns the hub's client for it.
// Call stop to close both ends.
func Serve(impl sdk.CRM) (client *pluginclient.Client, stop func(), err error) {
	dir, err := os.MkdirTemp("", "sdktest")
	if err != nil {
		return nil, nil, fmt.Errorf("sdktest: serve: %w", err)
	}
	socket := filepath.Join(dir, "plugin.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("sdktest: listen on %s: %w", socket, err)
	}
	server := grpc.NewServer()
	if err := (&sdk.GRPCPlugin{Impl: impl}).GRPCServer(nil, server); err != nil {
		ln.Close()
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("sdktest: register plugin: %w", err)
	}
	go server.Serve(ln) //nolint:errcheck // ends with server.Stop
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		server.Stop()
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("sdktest: dial %s: %w", socket, err)
	}
	stop = func() {
		conn.Close()
		server.Stop()
		os.RemoveAll(dir)
	}
	return pluginclient.New(conn), stop, nil
}
