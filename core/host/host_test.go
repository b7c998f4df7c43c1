package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/internal/testbin"
	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("the plugin host", func() {
	var log *logBuffer
	BeforeEach(func() { log = &logBuffer{} })

	ready := func(h *host.Host, name string) func() bool { return func() bool { return h.Ready(name) } }

	Describe("starting a plugin", func() {
		It("launches, handshakes and configures it, and its calls go through", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())

			st := status(h, "test")
			Expect(st.State).To(Equal(host.StateRunning))
			Expect(st.Version).To(Equal("0.1.0"))
			Expect(st.PID).To(BeNumerically(">", 0))
			Expect(st.Secret).To(Equal([]string{"api_key"}))
			Expect(h.Client("test").Info().DisplayName).To(Equal("Test CRM"))
			Expect(h.Client("test").GetContact(ctx, testplugin.Anna.ID)).To(Equal(testplugin.Anna))
		})

		It("runs a binary whose checksum matches the configured sha256", func() {
			spec := testSpec("test")
			spec.SHA256 = strings.ToUpper(sha256Of(pluginBinary))
			h := startHost(fastOptions(log), spec)
			Eventually(ready(h, "test")).Should(BeTrue())
		})

		It("refuses a binary with another checksum, and says so", func() {
			spec := testSpec("test")
			spec.SHA256 = strings.Repeat("0", 64)
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "test") }).Should(And(
				HaveField("State", host.StateCrashed),
				HaveField("LastError", ContainSubstring("its SHA-256 does not match the configured sha256 "+spec.SHA256)),
			))
			Expect(h.Ready("test")).To(BeFalse())
		})

		It("refuses a plugin that speaks another protocol version", func() {
			spec := testSpec("future")
			spec.Plugin = modeBinary("wrong-protocol")
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "future") }).Should(And(
				HaveField("State", host.StateCrashed),
				HaveField("LastError", ContainSubstring(fmt.Sprintf("it speaks plugin protocol %d; this hub speaks %d", sdk.ProtocolVersion+1, sdk.ProtocolVersion))),
				HaveField("LastError", ContainSubstring("rebuild it with github.com/crmhub/crmhub/sdk (protocol 2)")),
			))
		})

		It("refuses a plugin built with the SDK of protocol 1, naming the SDK to rebuild it with", func(ctx SpecContext) {
			old, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/protocol1", "crmhub-plugin-protocol1")
			Expect(err).NotTo(HaveOccurred())
			spec := testSpec("old")
			spec.Plugin = old
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "old") }).Should(And(
				HaveField("State", host.StateCrashed),
				HaveField("LastError", HaveSuffix("crmhub-plugin-protocol1: it speaks plugin protocol 1; this hub speaks 2: "+
					"rebuild it with github.com/crmhub/crmhub/sdk (protocol 2)")),
			))
			_, known := h.Client("old").Known(ctx)
			Expect(known).To(BeFalse(), "a refused plugin gives no profile")
		})

		It("runs a plugin named by a path whose file name, without crmhub-plugin-, is the plugin's name", func() {
			spec := testSpec("test")
			spec.Plugin = linkTo("test")
			h := startHost(fastOptions(log), spec)
			Eventually(ready(h, "test")).Should(BeTrue())
		})

		It("refuses a binary that is another plugin than the configured one, naming both, and starts it again only on a new config", func(ctx SpecContext) {
			spec := testSpec("kt2")
			spec.Plugin = linkTo("klicktipp")
			h := startHost(fastOptions(log), spec)
			refused := And(
				HaveField("State", host.StateCrashed),
				HaveField("LastError", ContainSubstring(`refusing `+spec.Plugin+`: it is the plugin "test", not the plugin "klicktipp" that crms.kt2.plugin names`)),
				HaveField("NextAttempt", BeZero()),
				HaveField("Restarts", 0),
				HaveField("PID", 0),
			)
			Eventually(func() host.PluginStatus { return status(h, "kt2") }).Should(refused)
			Consistently(func() host.PluginStatus { return status(h, "kt2") }, 500*time.Millisecond).Should(refused,
				"no restart, though the backoff is 20ms")
			Expect(h.Ready("kt2")).To(BeFalse())
			refusals := func() int { return strings.Count(log.String(), "plugin refused") }
			Expect(refusals()).To(Equal(1))

			By("a reload with the same config: one more try, as the binary may have been replaced")
			h.Apply(ctx, []host.Spec{spec})
			Eventually(refusals).Should(Equal(2))
			Eventually(func() host.PluginStatus { return status(h, "kt2") }).Should(refused)

			By("the config names the right plugin")
			spec.Plugin = linkTo("crmhub-plugin-test")
			h.Apply(ctx, []host.Spec{spec})
			Eventually(ready(h, "kt2")).Should(BeTrue())
			Expect(status(h, "kt2").LastError).To(BeEmpty())
		})

		It("backs off, ever longer, from a plugin that exits at start, and reports it crashed with its stderr", func() {
			spec := testSpec("broken")
			spec.Plugin = modeBinary("exit-at-start")
			opts := fastOptions(log)
			h := startHost(opts, spec)
			var st host.PluginStatus
			Eventually(func() host.PluginStatus { st = status(h, "broken"); return st }).Should(And(
				HaveField("State", host.StateCrashed),
				HaveField("Restarts", BeNumerically(">=", 3)),
			))
			Expect(st.LastError).To(ContainSubstring("testplugin: cannot start: told to fail at start"))
			// After n restarts, n+1 starts have failed: the wait doubles each time.
			want := min(opts.BackoffInitial<<st.Restarts, opts.BackoffMax)
			Expect(st.NextAttempt.Sub(st.Since)).To(Equal(want))
			Expect(st.PID).To(BeZero())

			_, err := h.Client("broken").GetContact(context.Background(), "1")
			Expect(err).To(MatchError(host.ErrPluginDown))
		})
	})

	Describe("a plugin's environment", func() {
		// environment is what the test plugin sees when a host started with
		// opts runs it.
		environment := func(ctx context.Context, opts host.Options) map[string]string {
			h := startHost(opts, testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			contact, err := h.Client("test").GetContact(ctx, "environment")
			Expect(err).NotTo(HaveOccurred())
			return contact.Fields
		}

		It("holds what a process needs, and none of the hub's configuration or secrets", func(ctx SpecContext) {
			secrets := map[string]string{
				"CRMHUB_ADMIN__TOKEN":                   "admin-token-value",
				"CRMHUB_DATABASE__URL":                  "postgres://crmhub:db-password-value@db/crmhub",
				"CRMHUB_CRMS__HUBSPOT__SETTINGS__TOKEN": "hubspot-token-value",
				"DATABASE_URL":                          "postgres://crmhub:other-db-password-value@db/crmhub",
				"KLICKTIPP_PASSWORD":                    "kt-password-value",
			}
			for name, value := range secrets {
				GinkgoT().Setenv(name, value)
			}
			GinkgoT().Setenv("TZ", "Europe/Berlin")
			GinkgoT().Setenv("LC_TIME", "de_DE.UTF-8")
			env := environment(ctx, fastOptions(log))
			Expect(env).To(HaveKeyWithValue("PATH", os.Getenv("PATH")))
			Expect(env).To(HaveKeyWithValue("TZ", "Europe/Berlin"))
			Expect(env).To(HaveKeyWithValue("LC_TIME", "de_DE.UTF-8"))
			for name, value := range env {
				if name == sdk.Handshake.MagicCookieKey || strings.HasPrefix(name, "PLUGIN_") {
					continue // go-plugin's own handshake
				}
				Expect(name).To(BeElementOf("PATH", "HOME", "TMPDIR", "TZ", "LANG", "LANGUAGE", "LC_TIME", "LC_ALL", "LC_CTYPE",
					"SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
					"GODEBUG", "GOTRACEBACK", "GORACE", "GOMAXPROCS", "GOGC"), "the plugin inherited %s", name)
				for _, secret := range secrets {
					Expect(value).NotTo(ContainSubstring(secret), "in %s", name)
				}
			}
		})

		It("sizes the plugin's Go runtime as a helper's: a quarter of the hub's threads, at least one, and fewer collections", func(ctx SpecContext) {
			GinkgoT().Setenv("GOMAXPROCS", "64") // the hub's own settings are not the plugin's
			GinkgoT().Setenv("GOGC", "50")
			env := environment(ctx, fastOptions(log))
			Expect(env).To(HaveKeyWithValue("GOMAXPROCS", strconv.Itoa(max(1, runtime.GOMAXPROCS(0)/4))))
			Expect(env).To(HaveKeyWithValue("GOGC", "200"))
		})

		It("gives the plugin as many threads as plugins.max_procs asks for", func(ctx SpecContext) {
			opts := fastOptions(log)
			opts.MaxProcs = 3
			Expect(environment(ctx, opts)).To(HaveKeyWithValue("GOMAXPROCS", "3"))
		})
	})

	Describe("configuring a plugin", func() {
		It("leaves a CRM with bad settings not configured, without retrying, until the config changes", func(ctx SpecContext) {
			spec := testSpec("test")
			spec.Settings = map[string]string{"api_key": "wrong"}
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "test") }).Should(And(
				HaveField("State", host.StateNotConfigured),
				HaveField("LastError", ContainSubstring("api_key is not valid")),
			))
			Expect(status(h, "test").NextAttempt).To(BeZero(), "no retry is scheduled")
			_, err := h.Client("test").GetContact(ctx, testplugin.Anna.ID)
			Expect(err).To(MatchError(host.ErrPluginDown))

			h.Apply(ctx, []host.Spec{testSpec("test")})
			Eventually(ready(h, "test")).Should(BeTrue())
		})

		It("checks the settings against the plugin's schema before Configure, naming each problem by its config key, until the config changes", func(ctx SpecContext) {
			spec := testSpec("test")
			spec.Settings = map[string]string{"fail_configure": "twice", "region": "mars", "colour": "red"}
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "test") }).Should(And(
				HaveField("State", host.StateNotConfigured),
				HaveField("LastError", ContainSubstring("crms.test.settings.api_key is required")),
				HaveField("LastError", ContainSubstring(`crms.test.settings.fail_configure "twice" is not a whole number`)),
				HaveField("LastError", ContainSubstring(`crms.test.settings.region "mars" is not one of eu, us`)),
				HaveField("LastError", ContainSubstring("crms.test.settings.colour is not a setting of this plugin")),
			))
			Expect(status(h, "test").NextAttempt).To(BeZero(), "no retry is scheduled")
			Expect(h.Client("test").Info().Name).To(Equal("test"), "the plugin runs; only Configure waits")

			h.Apply(ctx, []host.Spec{testSpec("test")})
			Eventually(ready(h, "test")).Should(BeTrue())
			stats, err := h.Client("test").GetContact(ctx, "stats")
			Expect(err).NotTo(HaveOccurred())
			Expect(stats.Fields).To(HaveKeyWithValue("configures", "1"), "Configure was never called with the bad settings")
		})

		It("never quotes a secret setting's value in a schema problem", func() {
			spec := testSpec("test")
			spec.Settings = map[string]string{"api_key": "s3cr3t-value", "nope": "x"}
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "test") }).Should(
				HaveField("LastError", ContainSubstring("crms.test.settings.nope is not a setting of this plugin")))
			Expect(status(h, "test").LastError).NotTo(ContainSubstring("s3cr3t-value"))
			Expect(log.String()).NotTo(ContainSubstring("s3cr3t-value"))
		})

		It("fills in the defaults the schema declares before Configure", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			stats, err := h.Client("test").GetContact(ctx, "stats")
			Expect(err).NotTo(HaveOccurred())
			Expect(stats.Fields).To(HaveKeyWithValue("region", "eu"))
		})

		It("knows a plugin's Info, webhook profile included, once it has started", func(ctx SpecContext) {
			door, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testdoor", "crmhub-plugin-testdoor")
			Expect(err).NotTo(HaveOccurred())
			spec := testSpec("door")
			spec.Plugin = door
			var told []string
			var mu sync.Mutex
			opts := fastOptions(log)
			opts.OnInfo = func(crm string, info sdk.Info) {
				mu.Lock()
				defer mu.Unlock()
				told = append(told, crm+"="+info.Name)
			}
			h := startHost(opts, spec)
			info, known := h.Client("door").Known(ctx)
			Expect(known).To(BeTrue())
			Expect(info.Webhooks.Check).To(BeTrue())
			Expect(info.Webhooks.Ack.Body).To(Equal([]byte(testplugin.DoorAck)))
			Eventually(ready(h, "door")).Should(BeTrue())
			verdict, err := h.Client("door").CheckWebhook(ctx, sdk.Request{Method: "POST", URL: "http://hub/hooks/door",
				Header: map[string][]string{testplugin.DoorSignatureHeader: {"forged"}}})
			Expect(err).NotTo(HaveOccurred())
			Expect(verdict).To(Equal(sdk.Reject(testplugin.DoorRejectReason)))
			mu.Lock()
			defer mu.Unlock()
			Expect(told).To(ContainElement("door=testdoor"))
		})

		It("never configures a plugin again over a door check's error: a forged request cannot knock the CRM out", func(ctx SpecContext) {
			door, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testdoor", "crmhub-plugin-testdoor")
			Expect(err).NotTo(HaveOccurred())
			spec := testSpec("door")
			spec.Plugin = door
			h := startHost(fastOptions(log), spec)
			Eventually(ready(h, "door")).Should(BeTrue())
			_, err = h.Client("door").CheckWebhook(ctx, sdk.Request{Method: "POST", URL: "http://hub/hooks/door",
				Header: map[string][]string{testplugin.DoorSignatureHeader: {testplugin.DoorUnauthenticatedSignature}}})
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
			// A call after it is served by the same configuration: one Configure.
			stats, err := h.Client("door").GetContact(ctx, "stats")
			Expect(err).NotTo(HaveOccurred())
			Expect(stats.Fields).To(HaveKeyWithValue("configures", "1"))
			Expect(h.Ready("door")).To(BeTrue(), "the CRM is still configured")
		})

		It("retries a Configure that failed for a transient reason", func(ctx SpecContext) {
			spec := testSpec("test")
			spec.Settings["fail_configure"] = "2"
			h := startHost(fastOptions(log), spec)
			Eventually(ready(h, "test")).Should(BeTrue())
			stats, err := h.Client("test").GetContact(ctx, "stats")
			Expect(err).NotTo(HaveOccurred())
			Expect(stats.Fields["configures"]).To(Equal("3"))
			Expect(status(h, "test").LastError).To(BeEmpty(), "the failure is over")
		})

		It("configures the plugin again after the CRM refused its credentials", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			_, err := h.Client("test").GetContact(ctx, "expire-session")
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)

			Eventually(func() (string, error) {
				stats, err := h.Client("test").GetContact(ctx, "stats")
				return stats.Fields["configures"], err
			}).Should(Equal("2"))
			Expect(status(h, "test").Restarts).To(BeZero(), "the process was not restarted")
		})
	})

	Describe("supervising a plugin", func() {
		It("tells a plugin that died during a call (ErrPluginDied) from one that was already down", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			crash := sdk.RawWebhook{Method: "POST", Query: map[string][]string{"contact_id": {testplugin.CrashOnDecode}}}
			_, err := h.Client("test").DecodeWebhooks(ctx, []sdk.RawWebhook{crash})
			Expect(err).To(MatchError(host.ErrPluginDied))
			Expect(err).To(MatchError(host.ErrPluginDown), "a death is also the plugin being down")

			Eventually(ready(h, "test")).Should(BeFalse())
			_, err = h.Client("test").DecodeWebhooks(ctx, []sdk.RawWebhook{crash})
			Expect(err).To(MatchError(host.ErrPluginDown))
			Expect(errors.Is(err, host.ErrPluginDied)).To(BeFalse(), "no call reached the plugin")
		})

		It("hands a plugin a webhook far over gRPC's default 4 MiB message size", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			body := "contact_id=1001&filler=" + strings.Repeat("x", 20<<20)
			results, err := h.Client("test").DecodeWebhooks(ctx, []sdk.RawWebhook{{
				Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(body),
			}})
			Expect(err).NotTo(HaveOccurred())
			Expect(results).To(ConsistOf(HaveField("Items", ConsistOf(HaveField("ContactID", testplugin.Anna.ID)))))
		})

		It("restarts a plugin killed by SIGKILL, and the next call succeeds", func(ctx SpecContext) {
			opts := fastOptions(log)
			opts.HealthInterval = time.Hour // only the failed call below can reveal the death
			h := startHost(opts, testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			first := status(h, "test").PID
			Expect(syscall.Kill(first, syscall.SIGKILL)).To(Succeed())

			_, err := h.Client("test").GetContact(ctx, testplugin.Anna.ID)
			Expect(err).To(MatchError(host.ErrPluginDown), "a call to a dead plugin costs the caller no attempt")

			Eventually(func() host.PluginStatus { return status(h, "test") }).Should(And(
				HaveField("State", host.StateRunning),
				HaveField("Restarts", 1),
				HaveField("PID", Not(Equal(first))),
			))
			Expect(status(h, "test").LastError).To(BeEmpty(), "the crash is over")
			stats, err := h.Client("test").GetContact(ctx, "stats")
			Expect(err).NotTo(HaveOccurred())
			Expect(stats.Fields["pid"]).To(Equal(strconv.Itoa(status(h, "test").PID)))
		})

		It("ends a hanging call at its deadline, and the plugin keeps serving", func(ctx SpecContext) {
			opts := fastOptions(log)
			opts.CallTimeout = 200 * time.Millisecond
			h := startHost(opts, testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())

			_, err := h.Client("test").GetContact(ctx, "hang")
			Expect(err).To(MatchError(context.DeadlineExceeded))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
			Expect(errors.Is(err, host.ErrPluginDown)).To(BeFalse())
			Expect(h.Client("test").GetContact(ctx, testplugin.Anna.ID)).To(Equal(testplugin.Anna))
		})

		It("writes the plugin's log lines into the host's log under the CRM's name", func() {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			Eventually(log.String).Should(MatchRegexp(`"msg":"test CRM configured".*"crm":"test"|"crm":"test".*"msg":"test CRM configured"`))
		})
	})

	Describe("a CRM's client", func() {
		It("keeps errors' kinds and retry delays", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			c := h.Client("test")

			_, err := c.GetContact(ctx, "12345")
			Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
			_, err = c.GetContact(ctx, "rate-limited")
			after, ok := sdk.RetryAfter(err)
			Expect(ok).To(BeTrue(), "got %v", err)
			Expect(after).To(Equal(2 * time.Second))
		})

		It("decodes a batch of webhooks, one result per webhook", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("test"))
			Eventually(ready(h, "test")).Should(BeTrue())
			results, err := h.Client("test").DecodeWebhooks(ctx, []sdk.RawWebhook{
				{Query: map[string][]string{"contact_id": {"1001"}}},
				{},
				{Body: []byte("email=ben%40example.com")},
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(results).To(HaveLen(3))
			Expect(results[0].Items[0].ContactID).To(Equal("1001"))
			Expect(sdk.IsInvalid(results[1].Err)).To(BeTrue())
			Expect(results[2].Items[0].Email).To(Equal("ben@example.com"))
		})

		It("holds calls to the CRM's API to the rate limit, but not decoding", func(ctx SpecContext) {
			spec := testSpec("test")
			spec.RateLimit = 0.01 // one call, then one per 100s
			h := startHost(fastOptions(log), spec)
			Eventually(ready(h, "test")).Should(BeTrue())
			c := h.Client("test")
			Expect(c.ListTags(ctx)).To(HaveLen(3))

			soon, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			_, err := c.GetContact(soon, testplugin.Anna.ID)
			Expect(err).To(MatchError(ContainSubstring("waiting for the rate limit")))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
			_, err = c.DecodeWebhooks(soon, []sdk.RawWebhook{{Query: map[string][]string{"contact_id": {"1"}}}})
			Expect(err).NotTo(HaveOccurred())

			spec.RateLimit = 0 // unlimited, changed in place
			h.Apply(ctx, []host.Spec{spec})
			Expect(c.GetContact(ctx, testplugin.Anna.ID)).To(Equal(testplugin.Anna))
		})

		It("is nil for an unknown CRM", func() {
			Expect(startHost(fastOptions(log)).Client("nope")).To(BeNil())
		})
	})

	Describe("applying a new config", func() {
		It("starts added CRMs, stops removed ones and restarts changed ones", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("one"), testSpec("two"))
			Eventually(ready(h, "one")).Should(BeTrue())
			Eventually(ready(h, "two")).Should(BeTrue())
			one, two := h.Client("one"), status(h, "two").PID
			onePID := status(h, "one").PID

			changed := testSpec("two")
			changed.Settings["fail_configure"] = "1"
			h.Apply(ctx, []host.Spec{changed, testSpec("three")})

			Expect(alive(onePID)).To(BeFalse(), "a removed CRM's plugin is gone when Apply returns")
			Expect(h.Client("one")).To(BeNil())
			_, err := one.GetContact(ctx, testplugin.Anna.ID)
			Expect(err).To(MatchError(host.ErrPluginDown))
			Eventually(ready(h, "three")).Should(BeTrue())
			Eventually(ready(h, "two")).Should(BeTrue())
			Expect(status(h, "two").PID).NotTo(Equal(two))
			Expect(h.Status()).To(HaveLen(2))
			Expect(h.Status()[0].Name).To(Equal("three"), "sorted by name")
		})
	})

	Describe("shutting down", func() {
		It("leaves no plugin process behind, and is idempotent", func(ctx SpecContext) {
			h := startHost(fastOptions(log), testSpec("one"), testSpec("two"))
			Eventually(ready(h, "one")).Should(BeTrue())
			Eventually(ready(h, "two")).Should(BeTrue())
			pids := []int{status(h, "one").PID, status(h, "two").PID}

			h.Shutdown(ctx)
			for _, pid := range pids {
				Expect(alive(pid)).To(BeFalse(), "plugin pid %d", pid)
			}
			Expect(h.Status()).To(HaveEach(HaveField("State", host.StateStopped)))
			h.Shutdown(ctx)
			h.Apply(ctx, []host.Spec{testSpec("three")})
			Expect(h.Client("three")).To(BeNil(), "Apply after Shutdown starts nothing")
		})

		It("forgets a plugin's last error once it is stopped", func(ctx SpecContext) {
			spec := testSpec("test")
			spec.Settings = map[string]string{"api_key": "wrong"}
			h := startHost(fastOptions(log), spec)
			Eventually(func() host.PluginStatus { return status(h, "test") }).Should(HaveField("LastError", ContainSubstring("api_key is not valid")))

			h.Shutdown(ctx)
			Expect(status(h, "test")).To(And(HaveField("State", host.StateStopped), HaveField("LastError", BeEmpty())))
		})

		It("leaves no orphan when the host process is SIGKILLed: the plugin exits within a few seconds", func() {
			cmd := exec.Command(hostBinary, pluginBinary)
			cmd.Stderr = GinkgoWriter
			out, err := cmd.StdoutPipe()
			Expect(err).NotTo(HaveOccurred())
			Expect(cmd.Start()).To(Succeed())
			DeferCleanup(func() { cmd.Process.Kill(); cmd.Wait() })

			line, err := bufio.NewReader(out).ReadString('\n')
			Expect(err).NotTo(HaveOccurred())
			pid, err := strconv.Atoi(strings.TrimSpace(line))
			Expect(err).NotTo(HaveOccurred())
			Expect(alive(pid)).To(BeTrue())

			Expect(cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
			Expect(cmd.Wait()).To(MatchError(ContainSubstring("killed")))
			Eventually(func() bool { return alive(pid) }, 5*time.Second, 50*time.Millisecond).Should(BeFalse())
		})
	})
})
