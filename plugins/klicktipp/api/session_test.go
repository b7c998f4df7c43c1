package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("Session authentication", func() {
	var fake *fakeklicktipp.Server
	BeforeEach(func() { fake = newFake() })

	It("logs in on the first call and reuses the session", func(ctx SpecContext) {
		client := sessionClient(fake)
		for range 3 {
			_, err := client.Subscriber(ctx, "155988456")
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(fake.Logins()).To(Equal(1))
	})

	DescribeTable("makes a session that expires mid-run invisible to the caller, with one fresh login",
		func(ctx SpecContext, refusal int) {
			fake.SetExpiredSessionStatus(refusal)
			client := sessionClient(fake)
			Expect(client.Subscriber(ctx, "155988456")).Error().NotTo(HaveOccurred())

			fake.ExpireSessions()
			sub, err := client.Subscriber(ctx, "155988456")
			Expect(err).NotTo(HaveOccurred())
			Expect(sub.Email).To(Equal("anna@example.com"))
			Expect(fake.Logins()).To(Equal(2))
		},
		Entry("when KlickTipp refuses it with 401", http.StatusUnauthorized),
		Entry("when KlickTipp refuses it with 403", http.StatusForbidden),
	)

	It("cures a single refusal with one fresh login", func(ctx SpecContext) {
		client := sessionClient(fake)
		Expect(client.Login(ctx)).To(Succeed())
		fake.Inject(fakeklicktipp.AccessDenied("GET /tag", 1))
		Expect(client.Tags(ctx)).To(HaveKeyWithValue("11", "Kunde"))
		Expect(fake.Logins()).To(Equal(2))
	})

	Describe("a login KlickTipp answers 406 \"already logged in\"", func() {
		// routes lists the calls the fake answered as "METHOD /path status".
		routes := func() []string {
			var got []string
			for _, c := range fake.Calls() {
				got = append(got, fmt.Sprintf("%s %s %d", c.Method, c.Path, c.Status))
			}
			return got
		}

		It("is an open session: the client logs out the session it holds and logs in once more", func(ctx SpecContext) {
			// A proxy on the way keeps the session cookie and adds it to
			// the fresh login that a refused call makes: KlickTipp then
			// sees a live session and answers 406.
			fake.KeepCookies(true)
			client := sessionClient(fake)
			Expect(client.Login(ctx)).To(Succeed())
			fake.Inject(fakeklicktipp.AccessDenied("GET /tag", 1))

			Expect(client.Tags(ctx)).To(HaveKeyWithValue("11", "Kunde"))
			Expect(routes()).To(Equal([]string{
				"POST /account/login 200", "GET /tag 403",
				"POST /account/login 406", "POST /account/logout 200", "POST /account/login 200",
				"GET /tag 200",
			}))
			Expect(fake.Sessions()).To(Equal(1), "the open session was ended, not left behind")
		})

		It("is an open session even when the client holds none: a bare logout, then one more login", func(ctx SpecContext) {
			fake.Inject(fakeklicktipp.AlreadyLoggedIn(1))
			Expect(sessionClient(fake).Login(ctx)).To(Succeed())
			Expect(routes()).To(Equal([]string{
				"POST /account/login 406", "POST /account/logout 401", "POST /account/login 200",
			}))
			Expect(fake.CallCount("POST /account/logout")).To(Equal(1))
			Expect(fake.Calls()[1].Header.Get("Cookie")).To(BeEmpty())
		})

		It("is Retryable, never Invalid, when KlickTipp keeps answering it", func(ctx SpecContext) {
			fake.Inject(fakeklicktipp.AlreadyLoggedIn(0))
			err := sessionClient(fake).Login(ctx)
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
			Expect(err.Error()).To(ContainSubstring("session is already open"))
			Expect(fake.CallCount("POST /account/login")).To(Equal(2), "one login more, not a loop")
		})
	})

	It("logs in once for many concurrent calls that find the session expired", func(ctx SpecContext) {
		client := sessionClient(fake)
		Expect(client.Login(ctx)).To(Succeed())
		fake.ExpireSessions()

		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Go(func() {
				_, err := client.Subscriber(ctx, "155988456")
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(fake.Logins()).To(Equal(2))
	})

	It("calls a user whose fresh session is refused too Unauthenticated, with the hint about a dedicated API user", func(ctx SpecContext) {
		fake.SetAPIAccess(apiUser, false)
		_, err := sessionClient(fake).Tags(ctx)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("dedicated API user"))
		Expect(fake.Logins()).To(Equal(2), "one login, then exactly one fresh login")
	})

	It("reports a wrong password as Unauthenticated without quoting it", func(ctx SpecContext) {
		client := newClient(api.Config{BaseURL: fake.URL, Auth: api.Session{Username: apiUser, Password: "wrong-" + apiPassword}})
		err := client.Login(ctx)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("check username and password"))
		Expect(err.Error()).NotTo(ContainSubstring(apiPassword))
	})

	It("sends the session as a cookie, never on the login itself, and logs out on Close", func(ctx SpecContext) {
		client := sessionClient(fake)
		Expect(client.Tags(ctx)).Error().NotTo(HaveOccurred())
		Expect(client.Close(ctx)).To(Succeed())

		calls := fake.Calls()
		Expect(calls).To(HaveLen(3))
		Expect(calls[0].Path).To(Equal("/account/login"))
		Expect(calls[0].Header.Get("Cookie")).To(BeEmpty())
		Expect(calls[1].Header.Get("Cookie")).To(MatchRegexp(`^SSESS\w+=\w+$`))
		Expect(calls[2].Path).To(Equal("/account/logout"))
		Expect(calls[2].Status).To(Equal(http.StatusOK))
	})

	It("names itself to KlickTipp on every call", func(ctx SpecContext) {
		Expect(sessionClient(fake).Tags(ctx)).Error().NotTo(HaveOccurred())
		for _, call := range fake.Calls() {
			Expect(call.Header.Get("Client-Identifier")).To(Equal("crmhub"))
			Expect(call.Header.Get("Accept")).To(Equal("application/json"))
		}
	})
})

var _ = Describe("Partner authentication", func() {
	const developerKey = "8f0c2a6be13d4f5a9c7e0b1d2f3a4b5c"
	const customerKey = "customer-7731"

	var fake *fakeklicktipp.Server
	BeforeEach(func() {
		fake = newFake()
		fake.AddPartner("partner-user", developerKey, customerKey)
	})

	partnerClient := func(customer string) *api.Client {
		return newClient(api.Config{BaseURL: fake.URL,
			Auth: api.Partner{Username: "partner-user", DeveloperKey: developerKey, CustomerKey: customer}})
	}

	It("sends X-Un and an X-Ci that matches the formula, and never logs in", func(ctx SpecContext) {
		Expect(partnerClient(customerKey).Tags(ctx)).To(HaveKeyWithValue("11", "Kunde"))

		// X-Ci = base64(HMAC-SHA256(key = hex-decoded developer key, msg = customer key) ‖ customer key)
		key, err := hex.DecodeString(developerKey)
		Expect(err).NotTo(HaveOccurred())
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(customerKey))
		vector := base64.StdEncoding.EncodeToString(append(mac.Sum(nil), []byte(customerKey)...))

		calls := fake.Calls()
		Expect(calls).To(HaveLen(1))
		Expect(calls[0].Header.Get("X-Un")).To(Equal("partner-user"))
		Expect(calls[0].Header.Get("X-Ci")).To(Equal(vector))
		Expect(fake.Logins()).To(BeZero())
	})

	It("reports refused partner keys as Unauthenticated, with no login attempt", func(ctx SpecContext) {
		_, err := partnerClient("another-customer").Tags(ctx)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("developer_key and customer_key"))
		Expect(fake.CallCount("POST /account/login")).To(BeZero())
		Expect(fake.CallCount("GET /tag")).To(Equal(1), "a partner call is not repeated")
	})

	It("refuses a developer key that is not hexadecimal without quoting it", func() {
		_, err := api.New(api.Config{Auth: api.Partner{Username: "u", DeveloperKey: "not-hex-s3cret", CustomerKey: "c"}})
		Expect(err).To(MatchError(ContainSubstring("developer_key is not hexadecimal")))
		Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
	})
})
