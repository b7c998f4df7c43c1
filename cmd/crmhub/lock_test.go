package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("One process per SQLite file", Label("process"), func() {
	var dir, db, key, token, host string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		db = filepath.Join(dir, "hub.db")
		key, token = "key-lock", "token-lock"
		var err error
		host, err = os.Hostname()
		Expect(err).NotTo(HaveOccurred())
	})
	noCRM := "  klicktipp: { enabled: false }\n"

	It("turns a second serve away at once, naming the file and the hub that serves it, while the read commands work beside it", func() {
		first := startHub(dir, hubYAML(dir, key, token, testCRM()))
		Eventually(runningPID(first, token, "testcrm")).WithTimeout(time.Minute).Should(BeNumerically(">", 0))
		a := first.hook("/hooks/testcrm?action=add&wait=30s&access_key="+key, url.Values{"contact_id": {"1001"}})
		Expect(a.body).To(ContainSubstring(`"outcome":"created"`))
		a = first.hook("/hooks/testcrm?action=add&wait=30s&access_key="+key, url.Values{"contact_id": {"12345"}})
		Expect(a.body).To(ContainSubstring(`"status":"failed"`))
		var failed struct{ ID string }
		Expect(json.Unmarshal([]byte(a.body), &failed)).To(Succeed())

		code, stdout, stderr := crmhubProcess(dir, "serve", "--config", first.config)
		Expect(code).To(Equal(1))
		Expect(stdout).To(BeEmpty())
		Expect(stderr).To(Equal(fmt.Sprintf("crmhub serve: %s is in use by crmhub serve (pid %d on %s); "+
			"one process per SQLite file — use PostgreSQL for several hubs\n", db, first.cmd.Process.Pid, host)))

		By("the read commands")
		code, stdout, stderr = crmhubProcess(dir, "users", "list", "--config", first.config)
		Expect(code).To(Equal(0), stderr)
		Expect(stdout).To(ContainSubstring("anna@example.com"))
		code, stdout, stderr = crmhubProcess(dir, "events", "list", "--status", "failed", "--config", first.config)
		Expect(code).To(Equal(0), stderr)
		Expect(stdout).To(ContainSubstring("12345"))
		code, _, stderr = crmhubProcess(dir, "config", "check", "--config", first.config)
		Expect(code).To(Equal(0), stderr)

		By("events replay, whose events the running hub takes up")
		code, _, stderr = crmhubProcess(dir, "events", "replay", "--config", first.config)
		Expect(code).To(Equal(0), stderr)
		notFound := "Contact 12345 was not found in testcrm."
		Eventually(func() string { return first.api(http.MethodGet, "/events/"+failed.ID, token).body }).
			WithTimeout(time.Minute).Should(MatchRegexp(`(?s)%s.*Replayed: queued again\..*%s`, notFound, notFound))

		By("migrate, which must not change the schema under the running hub")
		code, _, stderr = crmhubProcess(dir, "migrate", "--config", first.config)
		Expect(code).To(Equal(1))
		Expect(stderr).To(Equal(fmt.Sprintf("crmhub migrate: %s is in use by crmhub serve (pid %d on %s); "+
			"one process per SQLite file — stop it first (serve migrates at start)\n", db, first.cmd.Process.Pid, host)))

		Expect(first.send(http.MethodGet, "/readyz", "", "").code).To(Equal(http.StatusOK), "the first hub serves on")
	})

	It("is free again once the hub has stopped, even when it was killed", func() {
		first := startHub(dir, hubYAML(dir, key, token, noCRM))
		first.stop()

		second := startHub(dir, hubYAML(dir, key, token, noCRM))
		second.kill()

		third := startHub(dir, hubYAML(dir, key, token, noCRM))
		Expect(third.send(http.MethodGet, "/readyz", "", "").code).To(Equal(http.StatusOK))
		code, _, stderr := crmhubProcess(dir, "serve", "--config", third.config)
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring(fmt.Sprintf("is in use by crmhub serve (pid %d on %s)", third.cmd.Process.Pid, host)))
	})
})

var _ = Describe("The SQLite lock", func() {
	It("is one lock for every path to the file, a symlink's too", func() {
		dir := GinkgoT().TempDir()
		db := filepath.Join(dir, "hub.db")
		Expect(os.WriteFile(db, nil, 0o600)).To(Succeed())
		link := filepath.Join(GinkgoT().TempDir(), "link.db")
		Expect(os.Symlink(db, link)).To(Succeed())

		release, err := lockSQLite("sqlite://"+db, "serve", "stop it first")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(release)

		_, err = lockSQLite("sqlite://"+link, "serve", "stop it first")
		Expect(err).To(MatchError(ContainSubstring("is in use by crmhub serve")))
	})
})
