// Package sdk is everything a crmhub CRM plugin imports.
//
// Start with CRM, the interface a plugin implements, and Serve, which a
// plugin's main calls with it:
//
//	func main() { sdk.Serve(klicktipp.New()) }
//
// The value types (Contact, Tag, Field, RawWebhook, Decoded) are plain Go;
// the wire format lives in sdk/proto and never shows here. Errors are built
// with NotFound, Invalid, Retryable and Unauthenticated so the hub can tell
// "give up" from "try again". Logger is the plugin's log, which the hub
// reads. The package sdktest checks that a plugin behaves as the hub
// expects; README.md walks through a complete plugin.
//
// Handshake, PluginName and GRPCPlugin are the go-plugin glue that Serve
// uses; the hub's side of the connection is sdk/pluginclient.
package sdk
