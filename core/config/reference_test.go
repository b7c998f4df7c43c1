package config_test

import (
	"bytes"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
)

var _ = Describe("The configuration reference", func() {
	It("describes every key Config takes, and no key it does not", func() {
		keys, err := config.Reference()
		Expect(err).NotTo(HaveOccurred(), "describe each key in core/config/keydocs.go, then run `make docs`")
		Expect(keys).To(ContainElements(
			SatisfyAll(HaveField("Path", "inbox.backoff_initial"), HaveField("Type", "duration"),
				HaveField("Default", "`5s`"), HaveField("Env", "CRMHUB_INBOX__BACKOFF_INITIAL")),
			SatisfyAll(HaveField("Path", "crms.<name>.rate_limit"), HaveField("Type", "number"),
				HaveField("Default", "`10`"), HaveField("Env", "CRMHUB_CRMS__<NAME>__RATE_LIMIT")),
			SatisfyAll(HaveField("Path", "crms.<name>.settings.<key>"), HaveField("Default", "")),
		))
	})

	It("names for every key the environment variable the loader reads it from", func() {
		keys, err := config.Reference()
		Expect(err).NotTo(HaveOccurred())
		for _, k := range keys {
			Expect(config.EnvKey(k.Env)).To(Equal(k.Path), k.Env)
		}
	})

	It("is docs/configuration.md exactly, so the file cannot drift from the code", func() {
		var want bytes.Buffer
		Expect(config.WriteReference(&want)).To(Succeed())
		got, err := os.ReadFile("../../docs/configuration.md")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(got)).To(Equal(want.String()), "docs/configuration.md is stale: run `make docs`")
	})
})
