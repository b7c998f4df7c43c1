package morecrms_test

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

// crms are the CRMs this suite drives, each by its plugin under plugins/.
var crms = []string{"activecampaign", "drip", "mailchimp", "mailerlite"}

// world is one hub with the four CRMs' plugins, each against its fake.
// The specs of a store share it: each works on contacts of its own.
type world struct {
	hub *harness.Hub
	ac  *harness.ActiveCampaign
	dr  *harness.Drip
	mc  *harness.Mailchimp
	ml  *harness.MailerLite

	acCity string // the id of ActiveCampaign's custom field City
}

// forEachStore declares body once per store, in an ordered container
// whose BeforeAll starts the fakes and one hub on a fresh database.
func forEachStore(body func(w *world)) {
	for _, dialect := range storetest.Dialects {
		Describe("on "+string(dialect), Ordered, ContinueOnFailure, Label(string(dialect)), func() {
			w := &world{}
			BeforeAll(func(ctx SpecContext) { w.start(ctx, dialect) })
			AfterEach(func() {
				if CurrentSpecReport().Failed() && w.hub != nil {
					AddReportEntry("hub log", w.hub.LogTail(80))
				}
			})
			body(w)
		})
	}
}

func (w *world) start(ctx SpecContext, dialect store.Dialect) {
	db := storetest.Get(ctx, dialect)
	Expect(storetest.Empty(ctx, db.Store())).To(Succeed())

	bins, err := harness.Build()
	Expect(err).NotTo(HaveOccurred())
	plugins := map[string]string{}
	for _, crm := range crms {
		plugins[crm], err = harness.BuildPlugin(crm)
		Expect(err).NotTo(HaveOccurred())
	}

	w.ac = harness.StartActiveCampaign()
	DeferCleanup(w.ac.Close)
	w.acCity = w.ac.AddField("City")
	// The specs are about webhooks, not ActiveCampaign's 5 calls a second
	// (the plugin's own suite covers its 429): a fetch of a contact takes
	// up to three calls, several specs' worth would trip it.
	w.ac.SetRateLimit(1000, time.Second, 30*time.Second)
	w.dr = harness.StartDrip()
	DeferCleanup(w.dr.Close)
	w.mc = harness.StartMailchimp()
	DeferCleanup(w.mc.Close)
	w.ml = harness.StartMailerLite()
	DeferCleanup(w.ml.Close)

	cfg := harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), CRMs: map[string]harness.CRM{
		"activecampaign": w.ac.CRM(plugins["activecampaign"],
			map[string]string{"first_name": "firstName", "last_name": "lastName", "city": w.acCity}),
		"drip": w.dr.CRM(plugins["drip"],
			map[string]string{"first_name": "first_name", "last_name": "last_name", "city": "city"}),
		"mailchimp": w.mc.CRM(plugins["mailchimp"],
			map[string]string{"first_name": "FNAME", "last_name": "LNAME"}),
		"mailerlite": w.ml.CRM(plugins["mailerlite"],
			map[string]string{"first_name": "name", "last_name": "last_name", "city": "city"}),
	}}
	w.hub, err = harness.Start(ctx, bins, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(w.hub.Stop()).To(Succeed()) })
	for _, crm := range crms {
		Expect(w.hub.WaitForPlugin(ctx, crm, "running")).To(Succeed(), w.hub.LogTail(40))
	}
}

// send posts a webhook, waits for its outcome and returns it.
func (w *world) send(ctx context.Context, hook harness.RawHook) harness.Outcome {
	GinkgoHelper()
	reply, err := w.hub.SendRaw(ctx, hook.WithParam("wait", "20s"))
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
	out, err := reply.Outcome()
	Expect(err).NotTo(HaveOccurred())
	return out
}

// user is the one user with this e-mail address.
func (w *world) user(ctx context.Context, email string) harness.User {
	GinkgoHelper()
	users, err := w.hub.Users(ctx, url.Values{"email": {email}})
	Expect(err).NotTo(HaveOccurred())
	Expect(users).To(HaveLen(1), "one user with address %s", email)
	return users[0]
}

// noUser says no user has this e-mail address.
func (w *world) noUser(ctx context.Context, email string) {
	GinkgoHelper()
	users, err := w.hub.Users(ctx, url.Values{"email": {email}})
	Expect(err).NotTo(HaveOccurred())
	Expect(users).To(BeEmpty(), "no user with address %s", email)
}

// events lists the CRM's events, items included.
func (w *world) events(ctx context.Context, crm string) []harness.Outcome {
	GinkgoHelper()
	list, err := w.hub.Events(ctx, url.Values{"crm": {crm}})
	Expect(err).NotTo(HaveOccurred())
	return list
}

// tag matches a user's tag of crm.
func tag(crm, id, name string) types.GomegaMatcher {
	return And(HaveField("CRM", crm), HaveField("ID", id), HaveField("Name", name))
}

// ignored matches an item ignored for a reason matching the pattern.
func ignored(reason string) types.GomegaMatcher {
	return And(HaveField("Status", "done"), HaveField("Outcome", "ignored"), HaveField("Message", MatchRegexp(reason)))
}

// harnessContact matches a user's link to a contact of crm.
func harnessContact(crm, id string) types.GomegaMatcher {
	return And(HaveField("CRM", crm), HaveField("ContactID", id))
}
