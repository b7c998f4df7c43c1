// Package harness runs crmhub the way an operator does, for the end-to-end
// suites (e2e/acceptance, e2e/durability) and the benchmark
// (cmd/crmhub-bench): real binaries, a config file in a directory of its
// own, `crmhub serve` as a separate process on a free loopback port, the
// fake KlickTipp API and a real SMTP server beside it, and plain HTTP and
// CLI calls to drive it.
//
// Start with Build (the binaries, built once per test process or taken
// from CRMHUBTEST_BIN_DIR), StartKlickTipp (a seeded fake KlickTipp) and
// Start (a hub process). A Hub is stopped with Stop (SIGTERM) or Kill
// (SIGKILL) and brought back with Restart; Send posts a webhook, API
// calls the admin API, CLI runs a command against the hub's config. Load
// drives webhooks from many connections at once and measures the answers.
//
// The package reports errors instead of failing specs, so the benchmark can
// use it too; the suites wrap its calls in Gomega assertions.
package harness
