package console_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

const token = "console-admin-token"

// shopSecret signs what the hub pushes to the shop app.
const shopSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// stepTimeout bounds one browser step on a loaded machine.
const stepTimeout = 30 * time.Second

// An operator's session, one step after another in one browser tab, on a
// hub process with the KlickTipp plugin and a fake KlickTipp: one contact's
// webhook was applied, another's died on a KlickTipp error.
var _ = Describe("The web console, in Chromium", Ordered, func() {
	var (
		kt      *harness.KlickTipp
		hub     *harness.Hub
		tab     context.Context
		deadID  string
		annaID  string
		benMail = "ben@example.com"
		// shop is an application the hub pushes the users to; it counts the
		// test messages (pings) it receives.
		shop  *httptest.Server
		pings atomic.Int32
	)

	// do runs browser steps, bounded by stepTimeout.
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		GinkgoHelper()
		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		Expect(chromedp.Do(ctx, steps...)).To(Succeed())
	}
	// eval is the value of a script in the page.
	eval := func(script string) any {
		GinkgoHelper()
		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](script))
		Expect(err).NotTo(HaveOccurred())
		return v
	}
	// until waits for a script in the page to come out true; while the tab
	// loads a page, the script may find no page to run in, and is tried
	// again.
	until := func(script string) {
		GinkgoHelper()
		Eventually(func() (bool, error) {
			ctx, cancel := context.WithTimeout(tab, stepTimeout)
			defer cancel()
			return chromedp.Run(ctx, chromedp.Evaluate[bool](script))
		}).Should(BeTrue(), script)
	}
	text := func(sel string) string {
		GinkgoHelper()
		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		Expect(err).NotTo(HaveOccurred())
		return s
	}
	// rowTexts are the texts of the cells of a table body, row by row.
	rowTexts := func(sel string) any {
		return eval(`[...document.querySelectorAll("` + sel + ` tr")].map(tr => tr.innerText)`)
	}

	BeforeAll(func(ctx SpecContext) {
		tab = newBrowser() // first: skips the suite without Chromium

		kt = harness.StartKlickTipp()
		DeferCleanup(kt.Close)
		kt.AddTag("11", "Kunde")
		kt.AddTag("12", "Premium")
		ben := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: benMail, ManualTags: []string{"11", "12"}})
		annaID = kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com", ManualTags: []string{"11"}})

		shop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), `"type":"ping"`) {
				pings.Add(1)
			}
			_, _ = io.WriteString(w, "pong from the shop")
		}))
		DeferCleanup(shop.Close)

		var err error
		hub, err = harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), KlickTipp: kt, AdminToken: token, MaxAttempts: 1,
			Apps: map[string]harness.App{"shop": {URL: shop.URL, Secret: shopSecret, Token: "the-shop-app-token"}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			if CurrentSpecReport().Failed() {
				AddReportEntry("hub log", hub.LogTail(80))
			}
			Expect(hub.Stop()).To(Succeed())
		})
		Expect(hub.WaitForPlugin(ctx, "klicktipp", "running")).To(Succeed())

		send := func(id, email string) harness.Outcome {
			reply, err := hub.Send(ctx, hub.Hook("add", harness.Outbound(id, email)).With("wait", "20s"))
			Expect(err).NotTo(HaveOccurred())
			out, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			return out
		}
		Expect(send(ben, benMail).Status).To(Equal("done"))
		kt.Inject(fakeklicktipp.ServerError("GET /subscriber/", 1))
		dead := send(annaID, "anna@example.com")
		Expect(dead.Status).To(Equal("dead"), "max_attempts is 1: the first KlickTipp error is the last")
		deadID = dead.ID
	})

	It("refuses a wrong token", func() {
		do(chromedp.Navigate(hub.URL+"/ui/"), chromedp.WaitVisible("#token"),
			chromedp.SendKeys("#token", "not-the-token\r"), chromedp.WaitVisible(".error"))
		Expect(text(".error")).To(Equal("That is not the admin token."))
		Expect(eval("location.pathname")).To(Equal("/ui/signin"))
	})

	It("signs in with the admin token, from the keyboard", func() {
		do(chromedp.SendKeys("#token", token+"\r"), chromedp.WaitVisible("#overview"))
		Expect(eval("location.pathname")).To(Equal("/ui/"))
		Expect(eval("document.cookie")).To(BeEmpty(), "the session cookie is HttpOnly: no script reads it")
	})

	It("shows the plugins and their states", func() {
		Expect(text("#plugins-h + ul")).To(And(ContainSubstring("klicktipp"), ContainSubstring("running")))
		do(chromedp.Click(`nav a[href="/ui/plugins"]`), chromedp.WaitVisible("#plugins"))
		Expect(rowTexts("#plugins > .scroll > table > tbody")).To(ConsistOf(And(ContainSubstring("klicktipp"), ContainSubstring("running"))))
		do(chromedp.Click(`#plugins details.plugin-detail summary`))
		Expect(text("#plugins details.plugin-detail")).To(And(ContainSubstring("Checked at the door: no"),
			ContainSubstring("timeout"), ContainSubstring("duration")), "the plugin's settings schema, opened")
	})

	It("filters events by status", func() {
		do(chromedp.Click(`nav a[href="/ui/events"]`), chromedp.WaitVisible("#f-status"))
		Expect(rowTexts("#event-rows")).To(HaveLen(2))
		do(chromedp.SetValue("#f-status", "dead"), chromedp.Click(`form.filters button[type="submit"]`))
		until(`location.search.includes("status=dead")`)
		do(chromedp.WaitVisible("#event-rows"))
		Expect(rowTexts("#event-rows")).To(ConsistOf(And(HavePrefix(deadID+"\t"), ContainSubstring("dead"))))
	})

	It("opens an event: its request as stored and its failed attempt", func() {
		do(chromedp.Click(`#event-rows a`), chromedp.WaitVisible("#event-status"))
		Expect(eval("location.pathname")).To(Equal("/ui/events/" + deadID))
		Expect(text("#event-status")).To(Equal("dead"))
		Expect(text("pre.body")).To(ContainSubstring("SubscriberID=" + annaID))
		Expect(text("#attempts-h + div")).To(ContainSubstring("503"))
	})

	It("replays the dead event and shows its status turn done, without a reload", func() {
		// KlickTipp answers slowly once, so the page shows the event queued
		// before it is done.
		kt.Inject(fakeklicktipp.Slow("GET /subscriber/", 1, 3*time.Second))
		do(chromedp.Click(`form[action$="/replay"] button`))
		until(`location.search === "?replayed"`)
		do(chromedp.WaitVisible("#event-status"))
		Expect(text("#event-status")).NotTo(Equal("done"))
		eval("window.notReloaded = true")

		until(`document.getElementById("event-status").innerText.trim() === "done"`)
		Expect(eval("window.notReloaded")).To(BeTrue(), "the status changed in place: the page was not loaded again")
		Expect(eval(`document.querySelector('form[action$="/replay"]') === null`)).To(BeTrue(), "a done event has no Replay")
	})

	It("finds a user by tag", func() {
		do(chromedp.Click(`nav a[href="/ui/users"]`), chromedp.WaitVisible("#u-tag"),
			chromedp.SendKeys("#u-tag", "Premium\r"))
		until(`location.search.includes("tag=Premium")`)
		do(chromedp.WaitVisible("table"))
		Expect(rowTexts("table tbody")).To(ConsistOf(ContainSubstring(benMail)))
	})

	It("opens the shop app's page, presses Send test from the keyboard, and shows the shop's reply", func() {
		do(chromedp.Click(`nav a[href="/ui/apps"]`), chromedp.WaitVisible("#apps"), chromedp.Click(`#apps a[href="/ui/apps/shop"]`),
			chromedp.WaitVisible("#app-deliveries"))
		until(`[...document.querySelectorAll("#app-deliveries tbody tr")].some(tr => tr.innerText.includes("delivered"))`)
		Expect(eval("document.body.innerHTML.includes('"+shopSecret[len("whsec_"):]+"')")).To(BeFalse(), "the app's secret is not on the page")

		do(chromedp.Focus(`form[action="/ui/apps/shop/test"] button`), chromedp.KeyEvent("\r"))
		do(chromedp.WaitVisible("#test-status"))
		Expect(text("#test-status")).To(Equal("200"))
		Expect(text("#test-reply pre")).To(Equal("pong from the shop"))
		Expect(pings.Load()).To(BeEquivalentTo(1))

		// The reply answers a POST; the deliveries go on refreshing from the
		// app's page: a part made stale here comes back.
		eval(`document.getElementById("app-deliveries").innerHTML = "<p>stale</p>"`)
		until(`document.querySelectorAll("#app-deliveries tbody tr").length > 0`)
	})

	It("fits the events page on a 360 px wide screen, and saves a screenshot of it", func() {
		do(chromedp.EmulateViewport(360, 740), chromedp.Navigate(hub.URL+"/ui/events"), chromedp.WaitVisible("#event-rows"))
		Expect(eval("document.documentElement.scrollWidth")).To(BeNumerically("<=", 360), "no sideways scrolling of the page")

		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		Expect(err).NotTo(HaveOccurred())
		img, err := png.DecodeConfig(bytes.NewReader(shot))
		Expect(err).NotTo(HaveOccurred())
		Expect(img.Width).To(Equal(360))
		if dir := os.Getenv("CRMHUBTEST_SCREENSHOT_DIR"); dir != "" {
			Expect(os.WriteFile(filepath.Join(dir, "console-events.png"), shot, 0o644)).To(Succeed())
		}
	})

	It("fits the apps' pages on a 360 px wide screen", func() {
		for _, path := range []string{"/ui/apps", "/ui/apps/shop", "/ui/"} {
			do(chromedp.Navigate(hub.URL+path), chromedp.WaitVisible("main"))
			Expect(eval("document.documentElement.scrollWidth")).To(BeNumerically("<=", 360), path)
		}
	})
})
