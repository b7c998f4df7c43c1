// Package crmv1 holds the generated code of crm.proto, the wire protocol
// between the crmhub host and its CRM plugins.
//
// Only the sdk's gRPC adapters import it: package sdk (the plugin side) and
// sdk/pluginclient (the host side). Regenerate with `make proto` or
// `go generate ./sdk/proto`; never edit the generated files by hand.
package crmv1

//go:generate ./gen.sh
