package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/testbin"
)

var _ = Describe("crmhub plugins show", func() {
	var dir, config string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		door, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testdoor", "crmhub-plugin-testdoor")
		Expect(err).NotTo(HaveOccurred())
		config = filepath.Join(dir, "crmhub.yaml")
		Expect(os.WriteFile(config, []byte(hubYAML(dir, "k3y-k3y-k3y-k3y-k3y", "t0ken-t0ken-t0ken-t0ken", testCRM(),
			fmt.Sprintf("  door:\n    plugin: %s\n    settings: { region: us }\n", door))), 0o600)).To(Succeed())
	})

	It("launches the plugin and prints its profile and settings schema with the configured values, secrets hidden", func() {
		code, stdout, stderr := crmhubProcess(dir, "plugins", "show", "testcrm", "--config", config)
		Expect(code).To(Equal(0), stderr)
		Expect(stdout).To(ContainSubstring("CRM testcrm: Test CRM (plugin test) version 0.1.0, plugin protocol 2"))
		Expect(stdout).To(ContainSubstring("checked at the door:   no"))
		Expect(stdout).To(ContainSubstring("answer on acceptance:  the hub's 202 JSON"))
		Expect(stdout).To(ContainSubstring("api_key: string, required, secret"))
		Expect(stdout).To(ContainSubstring("configured: (set)"))
		Expect(stdout).To(ContainSubstring("region: enum (eu, us), default eu"))
		Expect(stdout).NotTo(ContainSubstring("configured: test-key"))
	})

	It("prints a checking plugin's profile, and JSON with --json", func() {
		code, stdout, stderr := crmhubProcess(dir, "plugins", "show", "door", "--json", "--config", config)
		Expect(code).To(Equal(0), stderr)
		var got map[string]any
		Expect(json.Unmarshal([]byte(stdout), &got)).To(Succeed())
		Expect(got).To(HaveKeyWithValue("name", "testdoor"))
		Expect(got).To(HaveKeyWithValue("protocol_version", BeEquivalentTo(2)))
		Expect(got["webhooks"]).To(And(HaveKeyWithValue("check", true), HaveKeyWithValue("ack", `200 text/plain; charset=utf-8 "ok"`)))
		Expect(got["settings"]).To(ContainElement(And(HaveKeyWithValue("name", "api_key"), HaveKeyWithValue("value", "(not set)"),
			HaveKeyWithValue("secret", true))))
		Expect(got["settings"]).To(ContainElement(And(HaveKeyWithValue("name", "region"), HaveKeyWithValue("value", "us"))))
	})

	It("makes config check warn of a required setting left empty, which leaves the CRM waiting, not the config wrong", func() {
		code, stdout, stderr := crmhubProcess(dir, "config", "check", "--config", config)
		Expect(code).To(Equal(0), stderr)
		Expect(stdout).To(ContainSubstring("door:"), "the config is printed")
		Expect(stderr).To(ContainSubstring("warning: crms.door.settings.api_key is not set (or CRMHUB_CRMS__DOOR__SETTINGS__API_KEY)"))
		Expect(stderr).NotTo(ContainSubstring("crms.testcrm"), "the test CRM's settings fit")
	})

	It("makes config check report settings that do not fit a plugin's schema, by key", func() {
		door, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testdoor", "crmhub-plugin-testdoor")
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(config, []byte(hubYAML(dir, "k3y-k3y-k3y-k3y-k3y", "t0ken-t0ken-t0ken-t0ken", testCRM(),
			fmt.Sprintf("  door:\n    plugin: %s\n    settings: { region: mars, colour: blue }\n", door))), 0o600)).To(Succeed())
		code, stdout, stderr := crmhubProcess(dir, "config", "check", "--config", config)
		Expect(code).To(Equal(1), stdout)
		Expect(stderr).To(ContainSubstring(`crms.door.settings.region "mars" is not one of eu, us`))
		Expect(stderr).To(ContainSubstring("crms.door.settings.colour is not a setting of this plugin"))
		Expect(stderr).NotTo(ContainSubstring("crms.testcrm"), "the test CRM's settings fit")
	})

	It("refuses a CRM the config does not name", func() {
		code, _, stderr := crmhubProcess(dir, "plugins", "show", "nosuch", "--config", config)
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring(`no CRM named "nosuch"`))
	})
})
