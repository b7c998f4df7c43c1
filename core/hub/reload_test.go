package hub

import (
	"errors"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
)

func loadConfig(yaml string) *config.Config {
	path := filepath.Join(GinkgoT().TempDir(), "crmhub.yaml")
	Expect(os.WriteFile(path, []byte(yaml), 0o600)).To(Succeed())
	cfg, err := config.Load(path)
	Expect(err).NotTo(HaveOccurred())
	return cfg
}

var _ = Describe("Reloading", func() {
	It("names the changed keys that only a restart applies", func() {
		prev := loadConfig("listen: 127.0.0.1:8080\ninbox: { workers: 8 }\n")
		next := loadConfig("listen: 127.0.0.1:9090\ndatabase: { max_connections: 8, prepared_statements: false }\ninbox: { workers: 4, max_attempts: 3 }\nplugins: { max_procs: 2 }\nnotify: { login_url: http://hub.example.com/login }\nroles: { default: customer }\n")
		Expect(restartOnly(prev, next)).To(Equal([]string{"listen", "database.max_connections", "database.prepared_statements", "plugins.max_procs", "inbox.workers", "notify"}))
		Expect(restartOnly(prev, prev)).To(BeEmpty())
	})

	It("tells which CRMs are newly enabled or changed their plugin or settings", func() {
		prev := loadConfig(`
crms:
  klicktipp: { settings: { username: a } }
  hubspot: { enabled: false }
  brevo: { plugin: brevo }
  pipedrive: { rate_limit: 3 }
`)
		next := loadConfig(`
crms:
  klicktipp: { settings: { username: b } }
  hubspot: { enabled: true }
  brevo: { plugin: /opt/brevo }
  pipedrive: { rate_limit: 5 }
  zoho: {}
`)
		Expect(changedCRMs(prev, next)).To(Equal([]string{"brevo", "hubspot", "klicktipp", "zoho"}))
	})

	It("splits a config error into one line per problem", func() {
		err := errors.Join(errors.New("a: unknown key"), errors.Join(errors.New("b: must be > 0"), errors.New("c: bad")))
		Expect(errorLines(err)).To(Equal([]string{"a: unknown key", "b: must be > 0", "c: bad"}))
		Expect(errorLines(errors.New("config: read x: no such file"))).To(Equal([]string{"config: read x: no such file"}))
	})

	It("names the environment variable of a config key", func() {
		Expect(config.EnvName("crms.klicktipp.settings.password")).To(Equal("CRMHUB_CRMS__KLICKTIPP__SETTINGS__PASSWORD"))
	})

	It("finds a setting named in a plugin's error as a word, not inside another", func() {
		msg := "no credentials: set password (session login), or developer_key and customer_key"
		Expect(mentions(msg, "password")).To(BeTrue())
		Expect(mentions(msg, "customer_key")).To(BeTrue())
		Expect(mentions(msg, "key")).To(BeFalse())
		Expect(mentions(msg, "username")).To(BeFalse())
	})
})
