package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/store"
)

const (
	// appSecret and appToken are the shop app's; no page may show them.
	appSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	appToken  = "the-shop-token"
)

// appReceiver is an application's endpoint: it keeps every message it
// receives and answers 418 "no tea".
type appReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	messages []*http.Request
	bodies   []string
}

func newAppSite() *appReceiver {
	a := &appReceiver{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.messages, a.bodies = append(a.messages, r), append(a.bodies, string(body))
		a.mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "no tea <b>today</b>")
	}))
	DeferCleanup(a.Close)
	return a
}

// received is how many messages the app received.
func (a *appReceiver) received() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.messages)
}

// seedDelivery stores a change of type for user, delivered to app, and
// forces the delivery into status with lastError.
func seedDelivery(ctx context.Context, st *store.Store, app string, userID int64, typ, status, lastError string) *store.AppDelivery {
	GinkgoHelper()
	c := &store.Change{UserID: userID, Type: typ, Sequence: 1, Data: `{}`}
	Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.AddChange(ctx, c, []string{app}) })).To(Succeed())
	d := &store.AppDelivery{}
	Expect(st.DB().NewSelect().Model(d).Where("change_id = ?", c.ID).Scan(ctx)).To(Succeed())
	d.Status, d.LastError, d.Attempts = status, lastError, 2
	_, err := st.DB().NewUpdate().Model(d).Column("status", "last_error", "attempts").WherePK().Exec(ctx)
	Expect(err).NotTo(HaveOccurred())
	return d
}

// deliveryStatus is a delivery's status as stored.
func deliveryStatus(ctx context.Context, st *store.Store, id int64) string {
	GinkgoHelper()
	d := &store.AppDelivery{ID: id}
	Expect(st.DB().NewSelect().Model(d).WherePK().Scan(ctx)).To(Succeed())
	return d.Status
}

// rowOf is the table row of the delivery with id on a page.
func rowOf(p page, id int64) string {
	GinkgoHelper()
	start := strings.Index(p.body, "<td>"+strconv.FormatInt(id, 10)+"</td>")
	Expect(start).To(BeNumerically(">=", 0), "the page lists delivery %d", id)
	end := strings.Index(p.body[start:], "</tr>")
	return p.body[start : start+end]
}

// showsNoAppSecret checks that a page shows neither the app's secret nor
// its token.
func showsNoAppSecret(p page) {
	GinkgoHelper()
	Expect(p.body).NotTo(ContainSubstring(appToken))
	Expect(p.body).NotTo(ContainSubstring(strings.TrimPrefix(appSecret, "whsec_")))
}

// specsOfApps are the console's specs of the apps' parts, run by the
// console's Describe with its hub and signed-in browser.
func specsOfApps(st func() *store.Store, user func() *browser, appSite func() *appReceiver) {
	Describe("the apps' pages", func() {
		It("list every configured app with its deliveries by status, never its secret or token", func(ctx SpecContext) {
			seedDelivery(ctx, st(), "shop", 1, "user.created", store.DeliveryDead, "HTTP 500")
			seedDelivery(ctx, st(), "shop", 2, "user.created", store.DeliveryPending, "")
			p := user().get("/ui/apps")
			Expect(p.code).To(Equal(http.StatusOK))
			Expect(p.body).To(And(ContainSubstring(`<a href="/ui/apps" aria-current="page">Apps</a>`),
				ContainSubstring(`href="/ui/apps/shop"`), ContainSubstring(`href="/ui/apps/old-shop"`),
				ContainSubstring(appSite().URL), ContainSubstring(`<span class="chip">user.created</span>`),
				ContainSubstring(`href="/ui/apps/shop?status=dead" class="error-text">1</a>`),
				ContainSubstring(`href="/ui/apps/shop?status=pending">1</a>`)))
			showsNoAppSecret(p)
		})

		It("list an app's deliveries with message type, user, attempts and last error, filtered by status", func(ctx SpecContext) {
			dead := seedDelivery(ctx, st(), "shop", 41, "user.updated", store.DeliveryDead, "HTTP 503 <from the shop>")
			pending := seedDelivery(ctx, st(), "shop", 42, "user.created", store.DeliveryPending, "")

			p := user().get("/ui/apps/shop")
			Expect(p.code).To(Equal(http.StatusOK))
			row := rowOf(p, dead.ID)
			Expect(row).To(And(ContainSubstring("user.updated"), ContainSubstring(`href="/ui/users/41"`),
				ContainSubstring(`<td class="num">2</td>`), ContainSubstring("HTTP 503 &lt;from the shop&gt;"),
				ContainSubstring(`status-dead`), ContainSubstring(apps.MessageID(dead.ChangeID))))
			Expect(rowOf(p, pending.ID)).To(ContainSubstring("user.created"))
			showsNoAppSecret(p)

			dp := user().get("/ui/apps/shop?status=dead")
			Expect(dp.body).To(ContainSubstring(`<option selected>dead</option>`))
			rowOf(dp, dead.ID)
			Expect(dp.body).NotTo(ContainSubstring("<td>" + formatID(pending.ID) + "</td>"))

			Expect(user().get("/ui/apps/shop?status=lost").code).To(Equal(http.StatusBadRequest))
			Expect(user().get("/ui/apps/nosuch").code).To(Equal(http.StatusNotFound))
		})

		It("page through an app's deliveries 50 at a time, with the admin API's cursor", func(ctx SpecContext) {
			for i := range 51 {
				seedDelivery(ctx, st(), "shop", int64(i+1), "user.created", store.DeliveryDelivered, "")
			}
			first := user().get("/ui/apps/shop")
			Expect(strings.Count(first.body, "status-delivered")).To(Equal(50))
			next := nextLink(first)
			Expect(next).To(HavePrefix("/ui/apps/shop?cursor="))
			second := user().get(next)
			Expect(strings.Count(second.body, "status-delivered")).To(Equal(1))
			Expect(second.body).NotTo(ContainSubstring(`rel="next"`))
		})

		Describe("Replay", func() {
			It("queues the app's dead deliveries again and says how many", func(ctx SpecContext) {
				dead := seedDelivery(ctx, st(), "shop", 1, "user.created", store.DeliveryDead, "HTTP 500")
				delivered := seedDelivery(ctx, st(), "shop", 2, "user.created", store.DeliveryDelivered, "")
				p := user().post("/ui/apps/shop/replay", formWithCSRF(user().get("/ui/apps/shop")))
				Expect(p.code).To(Equal(http.StatusSeeOther))
				Expect(p.header.Get("Location")).To(Equal("/ui/apps/shop?replayed=1"))
				Expect(deliveryStatus(ctx, st(), dead.ID)).To(Equal(store.DeliveryPending))
				Expect(deliveryStatus(ctx, st(), delivered.ID)).To(Equal(store.DeliveryDelivered))
				Expect(user().get("/ui/apps/shop?replayed=1").body).To(ContainSubstring("Dead deliveries queued again: 1."))
			})

			It("is refused without the page's CSRF token, leaving the deliveries dead", func(ctx SpecContext) {
				dead := seedDelivery(ctx, st(), "shop", 1, "user.created", store.DeliveryDead, "HTTP 500")
				Expect(user().post("/ui/apps/shop/replay", nil).code).To(Equal(http.StatusForbidden))
				form := formWithCSRF(user().get("/ui/apps/shop"))
				form.Set("csrf", form.Get("csrf")+"x")
				Expect(user().post("/ui/apps/shop/replay", form).code).To(Equal(http.StatusForbidden))
				Expect(deliveryStatus(ctx, st(), dead.ID)).To(Equal(store.DeliveryDead))
			})
		})

		Describe("Send test", func() {
			It("sends the app a signed ping and shows what it replied", func() {
				p := user().post("/ui/apps/shop/test", formWithCSRF(user().get("/ui/apps/shop")))
				Expect(p.code).To(Equal(http.StatusOK))
				Expect(p.body).To(And(ContainSubstring(`HTTP <strong id="test-status">418</strong>`),
					ContainSubstring("HTTP 418"), ContainSubstring("no tea &lt;b&gt;today&lt;/b&gt;")))
				Expect(p.body).To(ContainSubstring(`<meta name="crmhub-live-from" content="/ui/apps/shop">`),
					"the live parts refresh from the app's page, not from the POST's path")
				showsNoAppSecret(p)

				Expect(appSite().received()).To(Equal(1))
				msg, body := appSite().messages[0], appSite().bodies[0]
				Expect(body).To(ContainSubstring(`"type":"ping"`))
				ts, err := strconv.ParseInt(msg.Header.Get(apps.HeaderTimestamp), 10, 64)
				Expect(err).NotTo(HaveOccurred())
				want, err := apps.Sign(appSecret, msg.Header.Get(apps.HeaderID), time.Unix(ts, 0), []byte(body))
				Expect(err).NotTo(HaveOccurred())
				Expect(msg.Header.Get(apps.HeaderSignature)).To(Equal(want))
			})

			It("is refused without the page's CSRF token, sending nothing", func() {
				Expect(user().post("/ui/apps/shop/test", nil).code).To(Equal(http.StatusForbidden))
				Expect(appSite().received()).To(BeZero())
			})

			It("answers 409 for an app nothing is pushed to, and offers no button there", func() {
				p := user().get("/ui/apps/old-shop")
				Expect(p.body).NotTo(ContainSubstring("Send test"))
				Expect(p.body).NotTo(ContainSubstring("Replay dead deliveries"), "it has no dead deliveries")
				Expect(user().post("/ui/apps/old-shop/test", formWithCSRF(p)).code).To(Equal(http.StatusConflict))
			})
		})

		It("show the apps' backlogs on the overview", func(ctx SpecContext) {
			seedDelivery(ctx, st(), "shop", 1, "user.created", store.DeliveryPending, "")
			seedDelivery(ctx, st(), "shop", 2, "user.created", store.DeliveryPending, "")
			seedDelivery(ctx, st(), "shop", 3, "user.created", store.DeliveryDead, "HTTP 500")
			p := user().get("/ui/")
			Expect(p.body).To(ContainSubstring("App backlogs"))
			Expect(p.body).To(And(ContainSubstring(`href="/ui/apps/shop?status=pending">2</a>`),
				ContainSubstring(`href="/ui/apps/shop?status=dead" class="error-text">1</a>`),
				ContainSubstring(`href="/ui/apps/old-shop">old-shop</a> <span class="muted">(not pushed)</span>`)))
			showsNoAppSecret(p)
		})

		It("show a user's deliveries to apps on the user's page", func(ctx SpecContext) {
			anna := &store.User{Username: "anna", Email: "anna@example.com", Role: "subscriber", PasswordHash: "x"}
			Expect(st().CreateUser(ctx, anna)).To(Succeed())
			mine := seedDelivery(ctx, st(), "shop", anna.ID, "user.updated", store.DeliveryDead, "HTTP 410")
			other := seedDelivery(ctx, st(), "shop", anna.ID+1000, "user.created", store.DeliveryPending, "")
			p := user().get("/ui/users/" + formatID(anna.ID))
			Expect(p.code).To(Equal(http.StatusOK))
			Expect(rowOf(p, mine.ID)).To(And(ContainSubstring(`href="/ui/apps/shop"`), ContainSubstring("user.updated"),
				ContainSubstring("HTTP 410")))
			Expect(p.body).NotTo(ContainSubstring("<td>" + formatID(other.ID) + "</td>"))
		})
	})
}

// formWithCSRF is the form of a page's buttons: its CSRF token.
func formWithCSRF(p page) url.Values {
	GinkgoHelper()
	return url.Values{"csrf": {csrf(p)}}
}

// nextLink is the page's link to the next page, unescaped.
func nextLink(p page) string {
	GinkgoHelper()
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.body)
	Expect(m).To(HaveLen(2), "the page links to a next page")
	return strings.ReplaceAll(m[1], "&amp;", "&")
}
