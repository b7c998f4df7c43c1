package plugin_test

import (
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
	"github.com/crmhub/crmhub/plugins/klicktipp/plugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The KlickTipp plugin", func() {
	var fake *fakeklicktipp.Server
	BeforeEach(func() { fake = newFake() })

	It("describes itself and marks its secrets", func(ctx SpecContext) {
		info, err := newPlugin().Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Name).To(Equal("klicktipp"))
		Expect(info.DisplayName).To(Equal("KlickTipp"))
		secret := map[string]bool{}
		for _, s := range info.Settings {
			secret[s.Name] = s.Secret
		}
		Expect(secret).To(Equal(map[string]bool{
			"base_url": false, "username": false, "password": true, "developer_key": true,
			"customer_key": true, "tags": false, "timeout": false,
		}))
	})

	Describe("Configure", func() {
		DescribeTable("rejects settings it cannot use as Invalid, saying what to fix without quoting secrets",
			func(ctx SpecContext, settings map[string]string, says string) {
				if _, ok := settings["base_url"]; !ok {
					settings["base_url"] = fake.URL
				}
				err := newPlugin().Configure(ctx, settings)
				Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
				Expect(err.Error()).To(ContainSubstring(says))
				Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
				Expect(fake.Calls()).To(BeEmpty(), "nothing is sent with bad settings")
			},
			Entry("a base_url that is no http(s) URL",
				map[string]string{"base_url": "ftp://api.klicktipp.com", "username": "u", "password": "s3cret"}, "http:// or https://"),
			Entry("a base_url without a host",
				map[string]string{"base_url": "https://", "username": "u", "password": "s3cret"}, "has no host"),
			Entry("a base_url that does not parse, with a password in it",
				map[string]string{"base_url": "https://u:s3cret@exa mple.com", "username": "u", "password": "p"}, "base_url is not a URL"),
			Entry("no username",
				map[string]string{"password": "s3cret"}, "username is empty"),
			Entry("no credentials",
				map[string]string{"username": "u"}, "no credentials"),
			Entry("a password and partner keys",
				map[string]string{"username": "u", "password": "s3cret", "developer_key": "ab", "customer_key": "s3cret"}, "not both"),
			Entry("a developer key without a customer key",
				map[string]string{"username": "u", "developer_key": "abcd"}, "needs both developer_key and customer_key"),
			Entry("a developer key that is not hexadecimal",
				map[string]string{"username": "u", "developer_key": "s3cret", "customer_key": "c"}, "developer_key is not hexadecimal"),
			Entry("an unknown tags mode",
				map[string]string{"username": "u", "password": "s3cret", "tags": "smart"}, "use manual"),
			Entry("a timeout that is no duration",
				map[string]string{"username": "u", "password": "s3cret", "timeout": "soon"}, "positive Go duration"),
			Entry("a misspelt key",
				map[string]string{"username": "u", "pasword": "s3cret"}, `unknown setting "pasword"`),
		)

		It("accepts partner keys instead of a password", func(ctx SpecContext) {
			fake.AddPartner("partner-user", "00ff", "customer")
			p := configured(ctx, map[string]string{"base_url": fake.URL, "username": "partner-user",
				"developer_key": "00ff", "customer_key": "customer", "timeout": "5s", "tags": "all"})
			Expect(p.GetContact(ctx, annaID)).To(HaveField("Email", "anna@example.com"))
			Expect(fake.Logins()).To(BeZero())
		})

		It("reports a wrong password as Unauthenticated", func(ctx SpecContext) {
			err := newPlugin().Configure(ctx, settingsFor(fake, "password", "wrong"))
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring("check username and password"))
		})

		It("checks API access, and says KlickTipp needs a dedicated API user when it is refused", func(ctx SpecContext) {
			fake.SetAPIAccess(apiUser, false)
			err := newPlugin().Configure(ctx, settingsFor(fake))
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring("dedicated API user"))
		})

		It("calls a base_url that answers 404 Retryable, saying to check base_url: a server may come back", func(ctx SpecContext) {
			elsewhere := httptest.NewServer(http.NotFoundHandler())
			DeferCleanup(elsewhere.Close)
			err := newPlugin().Configure(ctx, settingsFor(fake, "base_url", elsewhere.URL))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
			Expect(err.Error()).To(ContainSubstring("check base_url"))
		})

		DescribeTable("never calls KlickTipp's answer bad settings (Invalid), so a fix made in KlickTipp is picked up without a config change",
			func(ctx SpecContext, fault fakeklicktipp.Fault) {
				fake.Inject(fault)
				err := newPlugin().Configure(ctx, settingsFor(fake))
				Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)

				fake.ClearFaults() // KlickTipp is fixed
				Expect(newPlugin().Configure(ctx, settingsFor(fake))).To(Succeed())
			},
			Entry("a 5xx at the login", fakeklicktipp.ServerError("POST /account/login", 0)),
			Entry("a 5xx at the access check", fakeklicktipp.ServerError("GET /tag", 0)),
			Entry("a 400 at the login", fakeklicktipp.Fault{Match: "POST /account/login", Status: http.StatusBadRequest,
				Body: `["Bad request."]`}),
			Entry("a 406 without an error code at the access check", fakeklicktipp.Fault{Match: "GET /tag",
				Status: http.StatusNotAcceptable, Body: `["Nicht akzeptabel."]`}),
			Entry("a login KlickTipp keeps answering 406 \"already logged in\"", fakeklicktipp.AlreadyLoggedIn(0)),
		)

		It("takes a login answered 406 \"already logged in\" as an open session, not bad settings: "+
			"logs it out, logs in once more and is configured", func(ctx SpecContext) {
			// A previous plugin process logged in and ended without logging
			// out, and a proxy on the way still adds its session cookie: the
			// new process's login meets a live session.
			fake.KeepCookies(true)
			configured(ctx, settingsFor(fake))
			fake.ResetCalls()

			p := newPlugin()
			Expect(p.Configure(ctx, settingsFor(fake))).To(Succeed())
			Expect(routes(fake)).To(Equal([]string{
				"POST /account/login 406", "POST /account/logout 200", "POST /account/login 200", "GET /tag 200",
			}))
			Expect(p.GetContact(ctx, annaID)).To(HaveField("Email", "anna@example.com"))
			Expect(fake.Sessions()).To(Equal(1))
		})

		It("logs the old session out before the new login when configured again", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			oldSession := fake.Calls()[1].Header.Get("Cookie") // of GET /tag
			Expect(oldSession).NotTo(BeEmpty())
			fake.ResetCalls()

			fake.AddUser("second-user", "second-password")
			Expect(p.Configure(ctx, settingsFor(fake, "username", "second-user", "password", "second-password"))).To(Succeed())
			Expect(routes(fake)).To(Equal([]string{"POST /account/logout 200", "POST /account/login 200", "GET /tag 200"}))
			Expect(fake.Calls()[0].Header.Get("Cookie")).To(Equal(oldSession))
			Expect(fake.Sessions()).To(Equal(1), "only the new session is live")
		})

		It("keeps its account and session when configured again with malformed settings", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			fake.ResetCalls()
			err := p.Configure(ctx, settingsFor(fake, "timeout", "soon"))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(fake.Calls()).To(BeEmpty())
			Expect(p.GetContact(ctx, annaID)).To(HaveField("Email", "anna@example.com"))
		})

		It("calls a KlickTipp it cannot reach Retryable", func(ctx SpecContext) {
			settings := settingsFor(fake)
			fake.Close()
			err := newPlugin().Configure(ctx, settings)
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
		})

		It("keeps working with the new settings when configured again", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			fake.AddUser("second-user", "second-password")
			Expect(p.Configure(ctx, settingsFor(fake, "username", "second-user", "password", "second-password"))).To(Succeed())
			Expect(p.GetContact(ctx, annaID)).To(HaveField("ID", annaID))
		})
	})

	It("answers Unauthenticated before it is configured", func(ctx SpecContext) {
		_, err := newPlugin().GetContact(ctx, annaID)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
	})

	Describe("GetContact", func() {
		It("reports the manual tags by name, every field and the e-mail address", func(ctx SpecContext) {
			contact, err := configured(ctx, settingsFor(fake)).GetContact(ctx, annaID)
			Expect(err).NotTo(HaveOccurred())
			Expect(contact.ID).To(Equal(annaID))
			Expect(contact.Email).To(Equal("anna@example.com"))
			Expect(contact.Tags).To(Equal([]sdk.Tag{{ID: "11", Name: "Kunde"}}))
			Expect(contact.Fields).To(HaveKeyWithValue("fieldFirstName", "Anna"))
			Expect(contact.Fields).To(HaveKeyWithValue("fieldPhone", ""))
			Expect(contact.Fields).To(HaveKeyWithValue("email", "anna@example.com"))
		})

		It("reports SmartTags too with tags: all", func(ctx SpecContext) {
			contact, err := configured(ctx, settingsFor(fake, "tags", "all")).GetContact(ctx, annaID)
			Expect(err).NotTo(HaveOccurred())
			Expect(contact.Tags).To(Equal([]sdk.Tag{{ID: "11", Name: "Kunde"}, {ID: "12", Name: "Newsletter geöffnet"}}))
		})

		It("reports KlickTipp's test contact 12345 as NotFound", func(ctx SpecContext) {
			_, err := configured(ctx, settingsFor(fake)).GetContact(ctx, "12345")
			Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
		})

		It("keeps working, with one fresh login, when the session expires mid-run", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			Expect(p.GetContact(ctx, annaID)).Error().NotTo(HaveOccurred())
			fake.ExpireSessions()
			Expect(p.GetContact(ctx, annaID)).To(HaveField("Email", "anna@example.com"))
			Expect(fake.Logins()).To(Equal(2))
		})

		It("refreshes the tag names when a contact carries a tag created since, and only then", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			Expect(fake.CallCount("GET /tag")).To(Equal(1), "Configure fills the cache")

			Expect(p.GetContact(ctx, annaID)).Error().NotTo(HaveOccurred())
			Expect(fake.CallCount("GET /tag")).To(Equal(1), "known tags cost no call")

			fake.AddTag("13", "Webinar")
			Expect(fake.SetTags(annaID, []string{"11", "13"}, nil)).To(Succeed())
			contact, err := p.GetContact(ctx, annaID)
			Expect(err).NotTo(HaveOccurred())
			Expect(contact.Tags).To(ContainElement(sdk.Tag{ID: "13", Name: "Webinar"}))
			Expect(fake.CallCount("GET /tag")).To(Equal(2))

			Expect(p.GetContact(ctx, annaID)).Error().NotTo(HaveOccurred())
			Expect(fake.CallCount("GET /tag")).To(Equal(2))
		})

		It("refreshes once for a tag id KlickTipp does not list, and leaves its name empty", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			Expect(fake.SetTags(annaID, []string{"99"}, nil)).To(Succeed())
			for range 3 {
				contact, err := p.GetContact(ctx, annaID)
				Expect(err).NotTo(HaveOccurred())
				Expect(contact.Tags).To(Equal([]sdk.Tag{{ID: "99"}}))
			}
			Expect(fake.CallCount("GET /tag")).To(Equal(2))
		})
	})

	It("lists tags fresh, and names contacts' tags by that list", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		fake.AddTag("11", "Stammkunde")
		Expect(p.ListTags(ctx)).To(Equal([]sdk.Tag{{ID: "11", Name: "Stammkunde"}, {ID: "12", Name: "Newsletter geöffnet"}}))
		Expect(p.GetContact(ctx, annaID)).To(HaveField("Tags", []sdk.Tag{{ID: "11", Name: "Stammkunde"}}))
		Expect(fake.CallCount("GET /tag")).To(Equal(2))
	})

	It("lists the account's fields", func(ctx SpecContext) {
		fake.AddField("field4711", "Lieblingsfarbe")
		fields, err := configured(ctx, settingsFor(fake)).ListFields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElements(sdk.Field{ID: "field4711", Name: "Lieblingsfarbe"}, sdk.Field{ID: "fieldFirstName", Name: "Vorname"}))
	})

	It("finds a contact by e-mail address, and NotFound for an unknown one", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		Expect(p.FindContact(ctx, "anna@example.com")).To(Equal(annaID))
		_, err := p.FindContact(ctx, "nobody@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
	})

	It("writes fields, and the field email as the new e-mail address", func(ctx SpecContext) {
		p := configured(ctx, settingsFor(fake))
		Expect(p.UpdateContact(ctx, annaID, map[string]string{"fieldLastName": "Muster", "email": "anna@example.org"})).To(Succeed())
		anna, _ := fake.Subscriber(annaID)
		Expect(anna.Email).To(Equal("anna@example.org"))
		Expect(anna.Fields).To(HaveKeyWithValue("fieldLastName", "Muster"))
	})

	It("decodes KlickTipp's webhooks", func(ctx SpecContext) {
		got, err := plugin.New().DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST",
			ContentType: "application/x-www-form-urlencoded", Body: []byte("SubscriberID=12345&email=test%40klicktipp.com")})
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal([]sdk.Item{{ContactID: "12345", Email: "test@klicktipp.com"}}))
	})
})
