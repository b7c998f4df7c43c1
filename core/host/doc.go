// Package host runs the hub's CRM plugins: for each enabled CRM it
// launches the plugin binary with a small allow-listed environment, checks
// its checksum, its protocol version and that it is the configured plugin,
// configures it with the CRM's settings and supervises it — health checks,
// restarts with backoff after a crash, a state an operator can read — until
// the config drops it or the hub shuts down.
//
// Start with Host (New, Apply, Shutdown). The engine and the inbox talk to
// a CRM through the Client that Host.Client returns: it stays valid across
// plugin restarts, rate-limits the calls that reach the CRM's API, puts a
// deadline on every call, and tells "the CRM said no" (an *sdk.Error) from
// "the plugin is not there" (ErrPluginDown).
package host
