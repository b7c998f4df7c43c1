// Package pluginclient is the hub's side of the plugin protocol: it calls a
// plugin process's CRM over gRPC and turns the answers back into sdk types
// and *sdk.Error values. The plugin's side is package sdk (Serve).
//
// Start with Plugin, which go-plugin's client dispenses as a *Client. Plugin
// authors do not need this package; the hub (core/host) and sdk/sdktest do.
package pluginclient
