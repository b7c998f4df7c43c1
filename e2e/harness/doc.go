// Package harness runs crmhub the way an operator does, for the end-to-end
// suites (e2e/acceptance, e2e/durability, e2e/crmhooks, …) and the benchmark
// (cmd/crmhub-bench): real binaries, a config file in a directory of its
// own, `crmhub serve` as a separate process on a free loopback port, the
// fake KlickTipp API and a real SMTP server beside it, and plain HTTP and
// CLI calls to drive it.
//
// Start with Build (the binaries, built once per test process or taken
// from CRMHUBTEST_BIN_DIR), StartKlickTipp (a fake KlickTipp with an API
// user) and Start (a hub process; StartReplicas for several on one
// PostgreSQL). A Hub is stopped with Stop (SIGTERM) or Kill (SIGKILL),
// brought back with Restart and reconfigured with Reload (the file
// rewritten, then SIGHUP). Send posts a webhook built with Hook; Users,
// Events, Event, Activity and Plugins read the admin API; CLI runs a
// crmhub command against the hub's config; PluginPIDs, Children and RSS
// look at its processes. Other CRMs join through Config.CRMs:
// StartHubSpot and StartSalesforce start their fakes, whose CRM method is
// the config section for a plugin from BuildPlugin; HubSpotRequest and
// SalesforceRequest build their webhooks, sent with Do. Load drives
// webhooks over many connections at once and sums up the answers, for the
// durability drills and the bench (Load.Request for requests of another
// shape, or spread over replicas). With Config.Pprof, CPUProfile fetches
// the hub's CPU profile and Trace its execution trace.
// StartActiveCampaign, StartDrip, StartMailchimp and StartMailerLite
// start the other fakes the same way; their builders give the CRM's
// webhook bodies, HookTo, Raw, JSON, FormBody and Get make the request
// (MailerLite's Signed and SignedWith sign it), and SendRaw posts it
// (e2e/morecrms).
//
// The package reports errors instead of failing specs, so the benchmark can
// use it too; the suites wrap its calls in Gomega assertions.
package harness
