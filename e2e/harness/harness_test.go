package harness

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/notify/smtptest"
)

var _ = Describe("The config file a hub is started with", func() {
	It("is one the hub's own loader accepts, with what the spec chose", func() {
		kt := StartKlickTipp()
		DeferCleanup(kt.Close)
		mail, err := smtptest.Start(smtptest.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(mail.Close)
		dir := GinkgoT().TempDir()
		cfg := Config{Dir: dir, KlickTipp: kt, SMTP: mail, DisabledCRMs: []string{"legacy"},
			Workers: 3, MaxAttempts: 2, BackoffInitial: 50 * time.Millisecond, ReturnPasswordField: "field1", Pprof: true}.withDefaults()
		path := filepath.Join(dir, "crmhub.yaml")
		Expect(writeConfig(path, cfg, "127.0.0.1:4321", "/bin/crmhub-plugin-klicktipp")).To(Succeed())

		got, err := config.Load(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Listen).To(Equal("127.0.0.1:4321"))
		Expect(got.Database.URL).To(Equal("sqlite://" + dir + "/data/crmhub.db"))
		Expect(got.AccessKey).To(Equal(cfg.AccessKey))
		Expect(got.Admin.Token).To(Equal(cfg.AdminToken))
		Expect(got.Admin.Pprof).To(BeTrue())
		Expect(got.Inbox).To(And(HaveField("Workers", 3), HaveField("MaxAttempts", 2), HaveField("BackoffInitial", 50*time.Millisecond)))
		Expect(got.Notify.SMTP).To(And(HaveField("Host", mail.Host), HaveField("Port", mail.Port), HaveField("StartTLS", false)))
		Expect(got.Enabled()).To(Equal([]string{"klicktipp"}))
		Expect(got.CRMs).To(HaveKeyWithValue("legacy", HaveField("Enabled", false)))
		Expect(got.CRMs["klicktipp"]).To(And(
			HaveField("Plugin", "/bin/crmhub-plugin-klicktipp"),
			HaveField("Settings", config.Settings(kt.Settings())),
			HaveField("ReturnPasswordField", "field1"),
			HaveField("Fields", defaultFields),
		))
	})

	It("switches klicktipp off when it is among the disabled CRMs", func() {
		kt := StartKlickTipp()
		DeferCleanup(kt.Close)
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "crmhub.yaml")
		cfg := Config{Dir: dir, KlickTipp: kt, DisabledCRMs: []string{"klicktipp"}}.withDefaults()
		Expect(writeConfig(path, cfg, "127.0.0.1:4321", "crmhub-plugin-klicktipp")).To(Succeed())
		got, err := config.Load(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Enabled()).To(BeEmpty())
		Expect(got.Admin.Pprof).To(BeFalse(), "the profiler is off unless asked for")
		Expect(got.CRMs["klicktipp"].Settings).To(Equal(config.Settings(kt.Settings())), "its settings are kept for when it is switched on")
	})

	It("gives each plugin CRM its section: plugin, settings, fields and the rate limit", func() {
		ml := StartMailerLite()
		DeferCleanup(ml.Close)
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "crmhub.yaml")
		cfg := Config{Dir: dir, CRMs: map[string]CRM{
			"mailerlite": ml.CRM("/bin/crmhub-plugin-mailerlite", map[string]string{"first_name": "name"}),
		}}.withDefaults()
		Expect(writeConfig(path, cfg, "127.0.0.1:4321", "crmhub-plugin-klicktipp")).To(Succeed())
		got, err := config.Load(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Enabled()).To(Equal([]string{"mailerlite"}))
		Expect(got.CRMs["mailerlite"]).To(And(
			HaveField("Plugin", "/bin/crmhub-plugin-mailerlite"),
			HaveField("Settings", config.Settings{"api_key": MailerLiteAPIKey, "webhook_secret": MailerLiteWebhookSecret, "base_url": ml.URL}),
			HaveField("Fields", map[string]string{"first_name": "name"}),
			HaveField("RateLimit", 100_000.0),
		))
	})

	It("holds other CRMs' sections, each enabled with its plugin, settings and fields", func() {
		hs := StartHubSpot()
		DeferCleanup(hs.Close)
		sf := StartSalesforce()
		DeferCleanup(sf.Close)
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "crmhub.yaml")
		cfg := Config{Dir: dir, CRMs: map[string]CRM{
			"hubspot": hs.CRM("/bin/crmhub-plugin-hubspot"), "salesforce": sf.CRM("/bin/crmhub-plugin-salesforce")}}.withDefaults()
		Expect(writeConfig(path, cfg, "127.0.0.1:4321", "crmhub-plugin-klicktipp")).To(Succeed())
		got, err := config.Load(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Enabled()).To(ConsistOf("hubspot", "salesforce"))
		Expect(got.CRMs["hubspot"]).To(And(
			HaveField("Plugin", "/bin/crmhub-plugin-hubspot"),
			HaveField("Settings", HaveKeyWithValue("base_url", hs.URL)),
			HaveField("Fields", map[string]string{"first_name": "firstname", "last_name": "lastname"}),
		))
		Expect(got.CRMs["salesforce"].Settings).To(HaveKeyWithValue("organization_id", sf.OrgID))
	})
})

var _ = Describe("A load", func() {
	var (
		srv    *httptest.Server
		status atomic.Int64 // what the server answers
	)
	BeforeEach(func() {
		status.Store(http.StatusAccepted)
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(int(status.Load()))
		}))
		DeferCleanup(srv.Close)
	})
	hook := func(int) Hook { return Hook{CRM: "klicktipp", Action: "add", Key: "k"} }

	It("sends Count requests over its connections and counts the answers", func(ctx SpecContext) {
		var calls atomic.Int64
		load := Load{URL: srv.URL, Connections: 4, Count: 100, Hook: hook, OnAnswer: func(s Shot) {
			calls.Add(1)
			Expect(s.Status).To(Equal(http.StatusAccepted))
		}}
		got := load.Run(ctx)
		Expect(got).To(And(HaveField("Sent", 100), HaveField("OK", 100), HaveField("Refused", 0), HaveField("Failed", 0)))
		Expect(got.Statuses).To(Equal(map[int]int{http.StatusAccepted: 100}))
		Expect(got.Latencies).To(HaveLen(100))
		Expect(calls.Load()).To(BeEquivalentTo(100))
	})

	It("builds each request with Request when it is set, to any server", func(ctx SpecContext) {
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
		}))
		DeferCleanup(other.Close)
		servers := []string{srv.URL, other.URL}
		load := Load{Connections: 2, Count: 10, Request: func(ctx context.Context, i int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodPut, servers[i%2]+"/anything", nil)
		}}
		got := load.Run(ctx)
		Expect(got.Statuses).To(Equal(map[int]int{http.StatusAccepted: 5, http.StatusOK: 5}))
	})

	It("counts answers other than 2xx as refused", func(ctx SpecContext) {
		status.Store(http.StatusServiceUnavailable)
		got := (&Load{URL: srv.URL, Connections: 2, Count: 10, Hook: hook}).Run(ctx)
		Expect(got).To(And(HaveField("OK", 0), HaveField("Refused", 10), HaveField("Failed", 0)))
		Expect(got.Statuses).To(Equal(map[int]int{http.StatusServiceUnavailable: 10}))
		Expect(got.PerSecond()).To(BeZero())
	})

	It("sends an unanswered webhook again when asked to, until it is answered", func(ctx SpecContext) {
		var hangUps atomic.Int64
		flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hangUps.Add(1) <= 3 {
				conn, _, err := w.(http.Hijacker).Hijack()
				Expect(err).NotTo(HaveOccurred())
				conn.Close() // no answer at all, as a hub that died
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		DeferCleanup(flaky.Close)
		var shots []Shot
		load := Load{URL: flaky.URL, Connections: 1, Count: 1, Hook: hook, Resend: true,
			OnAnswer: func(s Shot) { shots = append(shots, s) }}
		got := load.Run(ctx)
		Expect(got).To(And(HaveField("Sent", 4), HaveField("Failed", 3), HaveField("OK", 1)))
		Expect(shots).To(HaveExactElements(
			HaveField("Status", 0), HaveField("Status", 0), HaveField("Status", 0), HaveField("Status", http.StatusAccepted)))
		Expect(shots).To(HaveEach(HaveField("Index", 0)), "the same webhook each time")
	})

	It("without Resend goes on to the next webhook", func(ctx SpecContext) {
		srv.Close()
		got := (&Load{URL: srv.URL, Connections: 1, Count: 3, Hook: hook}).Run(ctx)
		Expect(got).To(And(HaveField("Sent", 3), HaveField("Failed", 3)))
		Expect(got.FirstFailure).To(MatchError(ContainSubstring("connection refused")), "why, for the report")
	})

	It("ends when Stop is closed, letting requests in flight finish", func(ctx SpecContext) {
		stop := make(chan struct{})
		var answered atomic.Int64
		load := Load{URL: srv.URL, Connections: 2, Hook: hook, Stop: stop, OnAnswer: func(Shot) { answered.Add(1) }}
		done := make(chan Result, 1)
		go func() { done <- load.Run(ctx) }()
		Eventually(answered.Load).Should(BeNumerically(">", 10))
		close(stop)
		var got Result
		Eventually(done).Should(Receive(&got))
		Expect(got.Sent).To(BeNumerically(">", 10))
		Expect(got.Failed).To(BeZero(), "no request was cut off")
	})
})

var _ = Describe("Two loads summed up as one", func() {
	It("count the answers of both, over the time of both, latencies in order", func() {
		first := Result{Sent: 3, OK: 2, Refused: 1, Statuses: map[int]int{202: 2, 503: 1},
			Elapsed: time.Second, Latencies: []time.Duration{2, 5}}
		second := Result{Sent: 2, OK: 1, Failed: 1, Statuses: map[int]int{202: 1}, FirstFailure: errors.New("reset"),
			Elapsed: 3 * time.Second, Latencies: []time.Duration{3}}
		got := Result{}.Then(first).Then(second)
		Expect(got).To(And(HaveField("Sent", 5), HaveField("OK", 3), HaveField("Refused", 1), HaveField("Failed", 1)))
		Expect(got.Statuses).To(Equal(map[int]int{202: 3, 503: 1}))
		Expect(got.Elapsed).To(Equal(4 * time.Second))
		Expect(got.Latencies).To(Equal([]time.Duration{2, 3, 5}))
		Expect(got.FirstFailure).To(MatchError("reset"))
		Expect(got.PerSecond()).To(Equal(0.75))
	})
})

var _ = Describe("Percentile", func() {
	It("picks by nearest rank and is 0 for nothing", func() {
		var d []time.Duration
		for i := 1; i <= 100; i++ {
			d = append(d, time.Duration(i)*time.Millisecond)
		}
		Expect(Percentile(d, 50)).To(Equal(50 * time.Millisecond))
		Expect(Percentile(d, 99)).To(Equal(99 * time.Millisecond))
		Expect(Percentile(d, 100)).To(Equal(100 * time.Millisecond))
		Expect(Percentile(d[:1], 99)).To(Equal(time.Millisecond))
		Expect(Percentile(nil, 50)).To(BeZero())
	})
})

var _ = Describe("A CPU profile or an execution trace", func() {
	It("is asked of the hub's profiler with the admin token, for whole seconds", func(ctx SpecContext) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer the-token" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(r.URL.Path + "?" + r.URL.RawQuery))
		}))
		DeferCleanup(srv.Close)
		hub := &Hub{URL: srv.URL, Config: Config{AdminToken: "the-token"}, client: srv.Client()}
		Expect(hub.CPUProfile(ctx, 1400*time.Millisecond)).To(BeEquivalentTo("/debug/pprof/profile?seconds=1"))
		Expect(hub.CPUProfile(ctx, 0)).To(BeEquivalentTo("/debug/pprof/profile?seconds=1"), "at least one second")
		Expect(hub.Trace(ctx, 2600*time.Millisecond)).To(BeEquivalentTo("/debug/pprof/trace?seconds=3"))

		hub.Config.AdminToken = "wrong"
		_, err := hub.CPUProfile(ctx, time.Second)
		Expect(err).To(MatchError(ContainSubstring("CPU profile: 401")))
		_, err = hub.Trace(ctx, time.Second)
		Expect(err).To(MatchError(ContainSubstring("execution trace: 401")))
	})
})

var _ = Describe("The /proc views", func() {
	It("find a child process and read its memory", func(ctx SpecContext) {
		cmd := execSleep(ctx)
		Expect(Children(os.Getpid())).To(ContainElement(cmd.Process.Pid))
		Expect(Named("slee")).To(ContainElement(cmd.Process.Pid))
		Expect(Named("no-such-program")).To(BeEmpty())
		Expect(Alive(cmd.Process.Pid)).To(BeTrue())
		Expect(RSS(cmd.Process.Pid)).To(BeNumerically(">", 0))
		Expect(cmd.Process.Kill()).To(Succeed())
		_ = cmd.Wait()
		Expect(Alive(cmd.Process.Pid)).To(BeFalse())
		Expect(RSS(cmd.Process.Pid)).To(BeZero())
	})

	It("read the peak of a process's memory, and start it anew", func() {
		self := os.Getpid()
		// Touch 64 MiB, then give them back, so the peak stays above the
		// resident memory until it is started anew.
		buf := make([]byte, 64<<20)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = 1
		}
		runtime.KeepAlive(buf)
		debug.FreeOSMemory() // buf is garbage now
		peak := PeakRSS(self)
		Expect(peak).To(BeNumerically(">=", RSS(self)+32<<20))

		Expect(ResetPeakRSS(self)).To(Succeed())
		Expect(PeakRSS(self)).To(BeNumerically("<", peak-32<<20))
		Expect(PeakRSS(self)).To(BeNumerically(">=", RSS(self)-1<<20), "the peak starts from the memory now")
	})

	It("read the CPU a process used and the time the machine idled", func() {
		self, idle := CPUTime(os.Getpid()), IdleTime()
		deadline := time.Now().Add(5 * time.Second)
		for CPUTime(os.Getpid()) == self && time.Now().Before(deadline) { // busy, so it grows
		}
		Expect(CPUTime(os.Getpid())).To(BeNumerically(">", self))
		Expect(idle).To(BeNumerically(">", 0), "a machine idles some time after it starts")
		Expect(IdleTime()).To(BeNumerically(">=", idle))
		Expect(CPUTime(1<<30)).To(BeZero(), "no such process")
	})
})

// execSleep starts a child process that waits a minute.
func execSleep(ctx context.Context) *exec.Cmd {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, "sleep", "60")
	Expect(cmd.Start()).To(Succeed())
	DeferCleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}
