package config_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
)

// writeFile writes a YAML config into a temp dir and returns its path.
func writeFile(yaml string) string {
	path := filepath.Join(GinkgoT().TempDir(), "crmhub.yaml")
	Expect(os.WriteFile(path, []byte(yaml), 0o600)).To(Succeed())
	return path
}

var _ = Describe("Load", func() {
	It("runs on built-in defaults alone: SQLite, 127.0.0.1:8080, KlickTipp on", func() {
		c, err := config.Load("")
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Listen).To(Equal("127.0.0.1:8080"))
		Expect(c.Database.URL).To(Equal("sqlite://data/crmhub.db"))
		Expect(c.Database.MaxConnections).To(Equal(20))
		Expect(c.Database.PreparedStatements).To(BeTrue())
		Expect(c.Server.MaxBody).To(BeEquivalentTo(1 << 20))
		Expect(c.Inbox.BackoffInitial).To(Equal(5 * time.Second))
		Expect(c.Roles.Allowed).To(Equal([]string{"subscriber", "customer", "member"}))
		Expect(c.Enabled()).To(Equal([]string{"klicktipp"}))
		Expect(c.CRMs["klicktipp"].Plugin).To(Equal("klicktipp"))
		Expect(c.CRMs["klicktipp"].RateLimit).To(BeEquivalentTo(10))
	})

	It("lets the file override the defaults and the environment override the file", func() {
		path := writeFile(`
listen: 127.0.0.1:9000
inbox: { workers: 3, backoff_max: 10m }
crms:
  klicktipp:
    rate_limit: 4
    settings: { username: filed }
`)
		GinkgoT().Setenv("CRMHUB_INBOX__WORKERS", "5")
		GinkgoT().Setenv("CRMHUB_CRMS__KLICKTIPP__SETTINGS__PASSWORD", "s3cret")
		GinkgoT().Setenv("CRMHUB_ROLES__ALLOWED", "subscriber,vip")
		GinkgoT().Setenv("CRMHUB_DATABASE__PREPARED_STATEMENTS", "false")
		c, err := config.Load(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Listen).To(Equal("127.0.0.1:9000"))                // file over default
		Expect(c.Inbox.BackoffMax).To(Equal(10 * time.Minute))      // file over default
		Expect(c.Inbox.Workers).To(Equal(5))                        // env over file
		Expect(c.Inbox.MaxAttempts).To(Equal(12))                   // default kept
		Expect(c.CRMs["klicktipp"].RateLimit).To(BeEquivalentTo(4)) // file over CRM default
		Expect(c.CRMs["klicktipp"].Settings).To(Equal(config.Settings{"username": "filed", "password": "s3cret"}))
		Expect(c.Roles.Allowed).To(Equal([]string{"subscriber", "vip"}))
		Expect(c.Database.PreparedStatements).To(BeFalse()) // env over default
	})

	It("reads a setting written as a YAML list joined with commas, and every scalar as text", func() {
		c, err := config.Load(writeFile(`
crms:
  hubspot:
    settings:
      tags: [vip, "early bird", 7]
      retries: 3
      verbose: true
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.CRMs["hubspot"].Settings).To(Equal(config.Settings{"tags": "vip,early bird,7", "retries": "3", "verbose": "true"}))
	})

	It("fills a CRM named only in the environment with the CRM defaults", func() {
		GinkgoT().Setenv("CRMHUB_CRMS__HUBSPOT__SETTINGS__TOKEN", "t")
		c, err := config.Load("")
		Expect(err).NotTo(HaveOccurred())
		Expect(c.CRMs["hubspot"].Enabled).To(BeTrue())
		Expect(c.CRMs["hubspot"].Plugin).To(Equal("hubspot"))
		Expect(c.Enabled()).To(Equal([]string{"hubspot", "klicktipp"}))
	})

	DescribeTable("fails with the name of the offending key",
		func(yaml string, env map[string]string, want string) {
			for k, v := range env {
				GinkgoT().Setenv(k, v)
			}
			_, err := config.Load(writeFile(yaml))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("an unknown top-level key", "lisen: x", nil, "lisen: unknown key"),
		Entry("an unknown nested key", "crms: {klicktipp: {ratelimit: 3}}", nil, "crms.klicktipp.ratelimit: unknown key"),
		Entry("an unknown key from the environment", "", map[string]string{"CRMHUB_INBOX__WORKRS": "2"}, "inbox.workrs: unknown key"),
		Entry("a rate limit of zero", "crms: {klicktipp: {rate_limit: 0}}", nil, "crms.klicktipp.rate_limit: must be > 0"),
		Entry("a value of the wrong type", "inbox: {workers: many}", nil, "inbox.workers"),
		Entry("a size that is no size", "server: {max_body: huge}", nil, "server.max_body"),
		Entry("a body too big for one message to the plugin", "server: {max_body: 33MiB}", nil, "server.max_body: must be at most 32 MiB"),
		Entry("a bad username format", "users: {username_format: nick}", nil, "users.username_format"),
		Entry("a privileged role made assignable", "roles: {allowed: [subscriber, administrator]}", nil, `roles.allowed: "administrator" is privileged`),
		Entry("a default role not allowed", "roles: {default: vip}", nil, "roles.default"),
		Entry("a default CRM that is not configured", "server: {default_crm: hubspot}", nil, "server.default_crm"),
		Entry("a bad checksum", "crms: {klicktipp: {sha256: abc}}", nil, "crms.klicktipp.sha256: must be 64 hex digits"),
		Entry("a bad database url", "database: {url: mysql://x}", nil, "database.url"),
		Entry("a pool of one PostgreSQL connection", "database: {max_connections: 1}", nil, "database.max_connections: must be >= 2"),
		Entry("more workers while receiving than workers", "inbox: {workers: 8, workers_while_receiving: 9}", nil, "inbox.workers_while_receiving: must be between 0 and inbox.workers"),
		Entry("a lease too short to renew", "inbox: {lease: 100ms}", nil, "inbox.lease: must be at least 1s"),
		Entry("a plugin with fewer than no threads", "plugins: {max_procs: -1}", nil, "plugins.max_procs: must be >= 0"),
	)

	It("accepts a server.max_body up to the largest webhook a plugin can be handed", func() {
		c, err := config.Load(writeFile("server: {max_body: 32MiB}"))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Server.MaxBody).To(Equal(config.MaxBodyLimit))
	})

	It("reports every problem at once", func() {
		_, err := config.Load(writeFile("inbox: {workers: 0, max_attempts: 0}"))
		Expect(err).To(MatchError(ContainSubstring("inbox.workers")))
		Expect(err).To(MatchError(ContainSubstring("inbox.max_attempts")))
	})

	It("names a file that cannot be read", func() {
		_, err := config.Load("/nonexistent/crmhub.yaml")
		Expect(err).To(MatchError(ContainSubstring("/nonexistent/crmhub.yaml")))
	})
})

var _ = Describe("Redacted", func() {
	It("shows no secret, but shows which are unset", func() {
		GinkgoT().Setenv("CRMHUB_CRMS__KLICKTIPP__SETTINGS__PASSWORD", "pw-value")
		GinkgoT().Setenv("CRMHUB_CRMS__KLICKTIPP__SETTINGS__CUSTOMER", "cust-value")
		GinkgoT().Setenv("CRMHUB_ADMIN__TOKEN", "token-value")
		GinkgoT().Setenv("CRMHUB_ACCESS_KEY", "key-value")
		GinkgoT().Setenv("CRMHUB_NOTIFY__SMTP__PASSWORD", "smtp-value")
		GinkgoT().Setenv("CRMHUB_DATABASE__URL", "postgres://u:db-value@127.0.0.1:5432/x")
		c, err := config.Load("")
		Expect(err).NotTo(HaveOccurred())

		out := c.Redacted(map[string][]string{"klicktipp": {"customer"}})
		for _, secret := range []string{"pw-value", "cust-value", "token-value", "key-value", "smtp-value", "db-value"} {
			Expect(out).NotTo(ContainSubstring(secret))
		}
		Expect(out).To(ContainSubstring("password: " + config.Redacted))
		Expect(out).To(ContainSubstring("listen: 127.0.0.1:8080"))
		Expect(out).To(MatchRegexp(`username: ""`))
	})
})
