package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// A hub's config for these specs: a SQLite store in dir, the keys, and
// the CRMs given.
func hubYAML(dir, key, token string, crms ...string) string {
	return fmt.Sprintf(`listen: 127.0.0.1:0
database: { url: "sqlite://%[1]s/hub.db" }
access_key: %[2]s
admin: { token: %[3]s }
secret_key_file: %[1]s/secret.key
crms:
%[4]s`, dir, key, token, strings.Join(crms, ""))
}

// klickTippCRM is the klicktipp CRM with its real plugin, talking to the
// fake with settings.
func klickTippCRM(enabled bool, settings string) string {
	return fmt.Sprintf(`  klicktipp:
    enabled: %t
    plugin: %s
    rate_limit: 1000
    settings: { %s }
`, enabled, buildBinaries().klicktipp, settings)
}

// testCRM is a CRM served by the test plugin, whose account holds
// contacts 1001 (anna@example.com) and 1002 (ben@example.com).
func testCRM() string {
	return fmt.Sprintf(`  testcrm:
    enabled: true
    plugin: %s
    rate_limit: 1000
    settings: { api_key: test-key }
`, buildBinaries().test)
}

// imposterCRM is a CRM whose configured plugin, crmhub-plugin-other, is
// in truth the test plugin: a binary the hub must refuse.
func imposterCRM(dir string) string {
	path := filepath.Join(dir, "crmhub-plugin-other")
	Expect(os.Symlink(buildBinaries().test, path)).To(Succeed())
	return fmt.Sprintf(`  imposter:
    enabled: true
    plugin: %s
    settings: { api_key: test-key }
`, path)
}

var webhookURL = regexp.MustCompile(`(?m)^\s+(add|update|update_tags|test)\s+(http://\S+/hooks/([a-z0-9_-]+)\?\S+)`)

// webhookURLs reads the printed URLs: CRM → action → URL.
func webhookURLs(out string) map[string]map[string]string {
	urls := map[string]map[string]string{}
	for _, m := range webhookURL.FindAllStringSubmatch(out, -1) {
		if urls[m[3]] == nil {
			urls[m[3]] = map[string]string{}
		}
		urls[m[3]][m[1]] = m[2]
	}
	return urls
}

// pluginOf reads one CRM's plugin from the admin API.
func pluginOf(h *hubProcess, token, crm string) map[string]any {
	a := h.api(http.MethodGet, "/plugins", token)
	Expect(a.code).To(Equal(http.StatusOK), a.body)
	var list struct{ Items []map[string]any }
	Expect(json.Unmarshal([]byte(a.body), &list)).To(Succeed())
	for _, p := range list.Items {
		if p["crm"] == crm {
			return p
		}
	}
	return nil
}

func runningPID(h *hubProcess, token, crm string) func() int {
	return func() int {
		p := pluginOf(h, token, crm)
		if p == nil || p["state"] != "running" {
			return 0
		}
		return int(p["pid"].(float64))
	}
}

var _ = Describe("crmhub serve", Label("process"), func() {
	var (
		dir, key, token string
		kt              *fakeklicktipp.Server
		anna            string // anna's KlickTipp subscriber id
		credentials     string
	)

	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		key, token = "key-"+rand.Text(), "token-"+rand.Text()
		kt = fakeklicktipp.New()
		DeferCleanup(kt.Close)
		kt.AddUser("crmhub-api", "kt-password-value")
		kt.AddTag("7", "Customer")
		anna = kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com", ManualTags: []string{"7"},
			Fields: map[string]string{"fieldFirstName": "Anna"}})
		credentials = fmt.Sprintf(`base_url: "%s", username: crmhub-api, password: kt-password-value`, kt.URL)
	})

	Describe("at start", func() {
		It("prints each enabled CRM's webhook URLs, which work when fed back, and names what an unconfigured CRM lacks", func() {
			h := startHub(dir, hubYAML(dir, key, token, klickTippCRM(true, `base_url: "`+kt.URL+`"`), testCRM()))
			// The warning's last line: the lines before it are all written.
			Eventually(h.stdout.String).WithTimeout(time.Minute).Should(ContainSubstring("reloaded when it changes (or on SIGHUP)"))
			out := h.stdout.String()
			Expect(out).To(ContainSubstring("warning: klicktipp is not configured"))
			Expect(out).To(ContainSubstring("store: sqlite://" + dir + "/hub.db"))
			Expect(out).To(ContainSubstring("set crms.klicktipp.settings.username (or the environment variable CRMHUB_CRMS__KLICKTIPP__SETTINGS__USERNAME)"))
			urls := webhookURLs(out)
			Expect(urls).To(HaveLen(2))
			for _, crm := range []string{"klicktipp", "testcrm"} {
				Expect(urls[crm]).To(HaveLen(4), crm)
				for action, u := range urls[crm] {
					Expect(u).To(HavePrefix(h.url + "/hooks/" + crm + "?action=" + action + "&access_key=" + key))
				}
			}

			By("the test CRM's URLs, each doing what its action says")
			for _, step := range []struct{ action, outcome string }{{"add", "created"}, {"update", "updated"}, {"update_tags", "tags_updated"}} {
				a := h.hook(urls["testcrm"][step.action]+"&wait=30s", url.Values{"contact_id": {"1001"}})
				Expect(a.code).To(Equal(http.StatusOK), a.body)
				Expect(a.body).To(ContainSubstring(`"outcome":"` + step.outcome + `"`))
			}
			Expect(h.send(http.MethodGet, urls["testcrm"]["test"], "", "")).To(Equal(answer{http.StatusOK, `{"success":true}` + "\n"}))

			By("the unconfigured CRM's URLs: accepted, and waiting at no cost; the hub stays ready")
			a := h.hook(urls["klicktipp"]["add"], url.Values{"SubscriberID": {anna}, "email": {"anna@example.com"}})
			Expect(a.code).To(Equal(http.StatusAccepted), a.body)
			var accepted struct{ ID string }
			Expect(json.Unmarshal([]byte(a.body), &accepted)).To(Succeed())
			Expect(h.send(http.MethodGet, urls["klicktipp"]["test"], "", "").code).To(Equal(http.StatusOK))
			Expect(h.send(http.MethodGet, "/readyz", "", "").code).To(Equal(http.StatusOK))
			Expect(pluginOf(h, token, "klicktipp")).To(HaveKeyWithValue("state", "not_configured"))
			ev := h.api(http.MethodGet, "/events/"+accepted.ID, token)
			Expect(ev.body).To(And(ContainSubstring(`"status":"received"`), ContainSubstring(`"attempt_count":0`)))

			By("configuring it in the file: the waiting webhook goes through")
			h.writeConfig(hubYAML(dir, key, token, klickTippCRM(true, credentials), testCRM()))
			Eventually(func() string { return h.api(http.MethodGet, "/events/"+accepted.ID, token).body }).
				WithTimeout(time.Minute).Should(ContainSubstring(`"status":"done"`))
			// anna came through the test CRM first: now she is linked to both.
			Expect(h.api(http.MethodGet, "/events/"+accepted.ID, token).body).To(And(
				ContainSubstring(`"outcome":"updated"`), ContainSubstring("Linked anna@example.com to klicktipp contact "+anna)))

			By("no log line carrying a secret")
			Expect(h.stderr.String()).NotTo(SatisfyAny(ContainSubstring(key), ContainSubstring(token), ContainSubstring("kt-password-value")))
		})
	})

	Describe("its collector", func() {
		It("keeps a heap floor, and leaves an operator's GOGC and GOMEMLIMIT as set", func() {
			gc := func(h *hubProcess) (gogc, limit float64) {
				m := h.metrics()
				return m["crmhub_go_gc_gogc_percent{}"], m["crmhub_go_gc_gomemlimit_bytes{}"]
			}
			h := startHub(dir, hubYAML(dir, key, token, testCRM()))
			gogc, limit := gc(h)
			Expect(gogc).To(BeNumerically(">", 100), "a small heap may grow past twice its size")
			Expect(limit).To(BeNumerically("<", 1<<30), "and a memory limit bounds the cycle in which it grew")

			By("GOGC set: the hub leaves the collector alone")
			other := GinkgoT().TempDir()
			gogc, limit = gc(startHub(other, hubYAML(other, key, token, testCRM()), "GOGC=150"))
			Expect(gogc).To(Equal(150.0))
			Expect(limit).To(Equal(float64(math.MaxInt64)))

			By("GOMEMLIMIT set: the hub paces GOGC under that limit")
			other = GinkgoT().TempDir()
			gogc, limit = gc(startHub(other, hubYAML(other, key, token, testCRM()), "GOMEMLIMIT=1GiB"))
			Expect(gogc).To(BeNumerically(">", 100))
			Expect(limit).To(Equal(float64(1 << 30)))
		})
	})

	Describe("live configuration", func() {
		It("starts and stops a CRM's plugin as the file enables and disables it, and keeps the running config when a new one is invalid", func() {
			h := startHub(dir, hubYAML(dir, key, token, klickTippCRM(true, credentials), testCRM()))
			hook := func() int {
				return h.hook("/hooks/klicktipp?action=update_tags&access_key="+key, url.Values{"SubscriberID": {anna}}).code
			}
			first := 0
			Eventually(runningPID(h, token, "klicktipp")).WithTimeout(time.Minute).Should(BeNumerically(">", 0))
			first = runningPID(h, token, "klicktipp")()
			Expect(alive(first)).To(BeTrue())

			By("disabling klicktipp: its endpoint answers 404 and its plugin process is gone")
			h.writeConfig(hubYAML(dir, key, token, klickTippCRM(false, credentials), testCRM()))
			Eventually(hook).WithTimeout(time.Minute).Should(Equal(http.StatusNotFound))
			Eventually(func() bool { return alive(first) }).WithTimeout(time.Minute).Should(BeFalse())
			Expect(pluginOf(h, token, "klicktipp")).To(And(HaveKeyWithValue("state", "stopped"), HaveKeyWithValue("enabled", false)))

			By("enabling it again: back, with a new plugin process")
			h.writeConfig(hubYAML(dir, key, token, klickTippCRM(true, credentials), testCRM()))
			Eventually(hook).WithTimeout(time.Minute).Should(Equal(http.StatusAccepted))
			Eventually(runningPID(h, token, "klicktipp")).WithTimeout(time.Minute).Should(And(BeNumerically(">", 0), Not(Equal(first))))
			second := runningPID(h, token, "klicktipp")()

			By("an invalid config: rejected with its errors, the running one kept")
			h.writeConfig(hubYAML(dir, key, token, "  klicktipp: { enabled: false, ratelimit: 3 }\n"))
			Eventually(h.stderr.String).WithTimeout(time.Minute).Should(ContainSubstring("crms.klicktipp.ratelimit: unknown key"))
			Expect(h.stderr.String()).To(ContainSubstring("config reload rejected; the running config stays"))
			Expect(hook()).To(Equal(http.StatusAccepted))
			Expect(runningPID(h, token, "klicktipp")()).To(Equal(second))
			Expect(alive(second)).To(BeTrue())

			By("SIGHUP: the file read again, on demand")
			reloads := func() int { return strings.Count(h.stderr.String(), "config reloaded") }
			before := reloads()
			h.writeConfig(hubYAML(dir, key, token, klickTippCRM(true, credentials)))
			Eventually(reloads).WithTimeout(time.Minute).Should(Equal(before + 1))
			Expect(pluginOf(h, token, "testcrm")).To(BeNil())
			Expect(h.cmd.Process.Signal(syscall.SIGHUP)).To(Succeed())
			Eventually(h.stderr.String).WithTimeout(time.Minute).Should(ContainSubstring("SIGHUP: reloading the config"))
			Eventually(reloads).WithTimeout(time.Minute).Should(Equal(before + 2))
			Expect(hook()).To(Equal(http.StatusAccepted))
		})
	})

	Describe("plugin states", func() {
		It("show a plugin's last error while it is current: a refused plugin's, and none once a crashed one is back", func(ctx SpecContext) {
			h := startHub(dir, hubYAML(dir, key, token, testCRM(), imposterCRM(dir)))
			refusal := `it is the plugin "test", not the plugin "other" that crms.imposter.plugin names`
			Eventually(func() map[string]any { return pluginOf(h, token, "imposter") }).WithTimeout(time.Minute).Should(And(
				HaveKeyWithValue("state", "crashed"),
				HaveKeyWithValue("last_error", ContainSubstring(refusal)),
			))
			Eventually(runningPID(h, token, "testcrm")).WithTimeout(time.Minute).Should(BeNumerically(">", 0))
			first := runningPID(h, token, "testcrm")()

			recorded := func() map[string]server.Plugin {
				r := crmhub(ctx, "plugins", "list", "--json", "--config", h.config)
				Expect(r.code).To(Equal(0), r.stderr)
				var list server.List[server.Plugin]
				Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
				byCRM := map[string]server.Plugin{}
				for _, p := range list.Items {
					byCRM[p.CRM] = p
				}
				return byCRM
			}
			Eventually(recorded).WithTimeout(time.Minute).Should(And(
				HaveKeyWithValue("imposter", And(HaveField("State", "crashed"), HaveField("LastError", ContainSubstring(refusal)))),
				HaveKeyWithValue("testcrm", And(HaveField("State", "running"), HaveField("LastError", BeEmpty()))),
			))

			By("the test CRM's plugin crashes and comes back")
			Expect(syscall.Kill(first, syscall.SIGKILL)).To(Succeed())
			Eventually(runningPID(h, token, "testcrm")).WithTimeout(time.Minute).Should(And(BeNumerically(">", 0), Not(Equal(first))))
			Expect(pluginOf(h, token, "testcrm")).To(And(HaveKeyWithValue("restarts", 1.0), HaveKeyWithValue("last_error", "")))
			Eventually(recorded).WithTimeout(time.Minute).Should(HaveKeyWithValue("testcrm",
				And(HaveField("State", "running"), HaveField("Restarts", 1), HaveField("LastError", BeEmpty()))))
			Expect(h.stderr.String()).To(ContainSubstring("plugin process exited"), "the log keeps the crash")
		})
	})

	Describe("/metrics", func() {
		It("shows what a scripted run of webhooks did", func() {
			h := startHub(dir, hubYAML(dir, key, token, testCRM()))
			Eventually(runningPID(h, token, "testcrm")).WithTimeout(time.Minute).Should(BeNumerically(">", 0))
			send := func(path, contact string) int { return h.hook(path, url.Values{"contact_id": {contact}}).code }
			add := "/hooks/testcrm?action=add&wait=30s&access_key=" + key
			Expect(send(add, "1001")).To(Equal(http.StatusOK))
			Expect(send(add, "1002")).To(Equal(http.StatusOK))
			Expect(send(add, "12345")).To(Equal(http.StatusOK)) // no such contact: failed, final
			Expect(send("/hooks/testcrm?action=add&access_key=wrong", "1001")).To(Equal(http.StatusForbidden))
			Expect(send("/hooks/nosuch?action=add&access_key="+key, "1001")).To(Equal(http.StatusNotFound))
			Expect(send("/hooks/testcrm?action=test&access_key="+key, "")).To(Equal(http.StatusOK))

			// Counted as each answer leaves: the last may trail its answer.
			Eventually(h.metrics).Should(SatisfyAll(
				HaveKeyWithValue(`crmhub_webhooks_received_total{action="add",code="200",crm="testcrm"}`, 3.0),
				HaveKeyWithValue(`crmhub_webhooks_received_total{action="add",code="403",crm="testcrm"}`, 1.0),
				HaveKeyWithValue(`crmhub_webhooks_received_total{action="unknown",code="404",crm="unknown"}`, 1.0),
				HaveKeyWithValue(`crmhub_webhooks_received_total{action="test",code="200",crm="testcrm"}`, 1.0),
				HaveKeyWithValue(`crmhub_ingest_duration_seconds_count{crm="testcrm"}`, 3.0),
				HaveKeyWithValue(`crmhub_inbox_commit_batch_size_sum{}`, 3.0),
				HaveKeyWithValue(`crmhub_events_processed_total{crm="testcrm",outcome="created"}`, 2.0),
				HaveKeyWithValue(`crmhub_events_processed_total{crm="testcrm",outcome="contact_not_found"}`, 1.0),
				HaveKeyWithValue(`crmhub_event_processing_duration_seconds_count{action="add",crm="testcrm"}`, 3.0),
				HaveKeyWithValue(`crmhub_crm_calls_total{call="get_contact",crm="testcrm"}`, 3.0),
				HaveKeyWithValue(`crmhub_crm_call_errors_total{call="get_contact",crm="testcrm",kind="not_found"}`, 1.0),
				HaveKeyWithValue(`crmhub_queue_depth{crm="testcrm",status="received"}`, 0.0),
				HaveKeyWithValue(`crmhub_queue_depth{crm="testcrm",status="pending"}`, 0.0),
				HaveKeyWithValue(`crmhub_events_dead{crm="testcrm"}`, 0.0),
				HaveKeyWithValue(`crmhub_plugin_state{crm="testcrm",state="running"}`, 1.0),
				HaveKeyWithValue(`crmhub_plugin_restarts_total{crm="testcrm"}`, 0.0),
				// SQLite's one connection, held to store the webhooks and
				// in the shared transactions that applied the events.
				HaveKeyWithValue(`crmhub_sqlite_transaction_seconds_total{holder="webhooks"}`, BeNumerically(">", 0)),
				HaveKeyWithValue(`crmhub_sqlite_transaction_seconds_total{holder="shared"}`, BeNumerically(">", 0)),
				HaveKeyWithValue(`crmhub_sqlite_shared_calls_total{}`, BeNumerically(">=", 3)),
				HaveKey(`crmhub_go_goroutines{}`),
			))
			m := h.metrics()
			for series := range m {
				Expect(series).To(HavePrefix("crmhub_"))
			}
			Expect(m).NotTo(HaveKey(ContainSubstring("crmhub_event_retries_total")))
		})
	})
})
