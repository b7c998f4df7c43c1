package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/api"
	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

const (
	clientID     = "3MVG9-connected-app"
	clientSecret = "s3cret-never-in-errors"
)

var (
	fake   *fakesalesforce.Server
	client *api.Client
	annaID string
)

var _ = BeforeEach(func() {
	fake = fakesalesforce.New()
	DeferCleanup(fake.Close)
	fake.AddClient(clientID, clientSecret)
	annaID = fake.AddContact(map[string]any{"FirstName": "Anna", "LastName": "Ahorn", "Email": "anna@example.com",
		"HasOptedOutOfEmail": true, "Interests__c": "Golf;Tennis", "Score__c": 4.5}, "Customer", "VIP")
	client = newClient(clientSecret)
})

func newClient(secret string) *api.Client {
	c, err := api.New(api.Config{LoginURL: fake.URL, ClientID: clientID, ClientSecret: secret, Logger: hclog.NewNullLogger()})
	Expect(err).NotTo(HaveOccurred())
	return c
}

func paths() []string {
	var out []string
	for _, c := range fake.Calls() {
		p := c.Method + " " + strings.TrimPrefix(c.Path, "/services/data/v60.0/")
		out = append(out, p)
	}
	return out
}

var _ = Describe("getting a token", func() {
	It("runs the client credentials flow", func(ctx SpecContext) {
		Expect(client.Authenticate(ctx)).To(Succeed())
		Expect(fake.Tokens()).To(Equal(1))
	})
	It("is Unauthenticated for a wrong secret, naming Salesforce's error but not the secret", func(ctx SpecContext) {
		err := newClient("wrong-secret").Authenticate(ctx)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("invalid_client"))
		Expect(err.Error()).NotTo(ContainSubstring("wrong-secret"))
	})
	It("is Retryable when the token endpoint is down", func(ctx SpecContext) {
		fake.Inject(fakesalesforce.ServerError("POST /services/oauth2/token", 1))
		err := client.Authenticate(ctx)
		Expect(err).To(HaveOccurred())
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
	})
	It("refuses settings that cannot work", func() {
		for _, cfg := range []api.Config{
			{LoginURL: "login.salesforce.com", ClientID: "a", ClientSecret: "b"},
			{ClientID: "a", ClientSecret: "b", APIVersion: "60"},
			{ClientID: "a"},
		} {
			_, err := api.New(cfg)
			Expect(err).To(HaveOccurred(), "%+v", cfg)
		}
	})
})

var _ = Describe("the REST calls", func() {
	It("reads a contact's fields as strings, without attributes", func(ctx SpecContext) {
		fields, err := client.Contact(ctx, annaID)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(HaveKeyWithValue("Id", annaID))
		Expect(fields).To(HaveKeyWithValue("Email", "anna@example.com"))
		Expect(fields).To(HaveKeyWithValue("HasOptedOutOfEmail", "true"))
		Expect(fields).To(HaveKeyWithValue("Interests__c", "Golf;Tennis"))
		Expect(fields).To(HaveKeyWithValue("Score__c", "4.5"))
		Expect(fields).NotTo(HaveKey("attributes"))
		Expect(paths()).To(Equal([]string{"POST /services/oauth2/token", "GET sobjects/Contact/" + annaID}))
	})
	It("reads null as empty", func(ctx SpecContext) {
		id := fake.AddContact(map[string]any{"LastName": "Nobody"})
		fields, err := client.Contact(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(HaveKeyWithValue("Email", ""))
	})
	It("is NotFound for an unknown id (404 NOT_FOUND) and for what is no id at all", func(ctx SpecContext) {
		_, err := client.Contact(ctx, "003Dn9999999999AAA")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
		_, err = client.Contact(ctx, "../query")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
	})
	It("gets a new token once when the session expired, and retries the call", func(ctx SpecContext) {
		Expect(client.Authenticate(ctx)).To(Succeed())
		fake.ExpireSessions()
		_, err := client.Contact(ctx, annaID)
		Expect(err).NotTo(HaveOccurred())
		Expect(fake.Tokens()).To(Equal(2))
		Expect(paths()).To(Equal([]string{"POST /services/oauth2/token", "GET sobjects/Contact/" + annaID,
			"POST /services/oauth2/token", "GET sobjects/Contact/" + annaID}))
	})
	It("gives up as Unauthenticated when the new token is refused too", func(ctx SpecContext) {
		Expect(client.Authenticate(ctx)).To(Succeed())
		fake.Inject(fakesalesforce.Fault{Match: "GET /services/data/", Times: 2, Status: 401,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`})
		_, err := client.Contact(ctx, annaID)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		Expect(fake.Tokens()).To(Equal(2), "one new token, not a loop")
	})
	It("gets one new token for many calls that find the session expired at once", func(ctx SpecContext) {
		Expect(client.Authenticate(ctx)).To(Succeed())
		fake.ExpireSessions()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				defer GinkgoRecover()
				_, err := client.Contact(ctx, annaID)
				Expect(err).NotTo(HaveOccurred())
			})
		}
		wg.Wait()
		Expect(fake.Tokens()).To(Equal(2))
	})
	It("is Retryable with a wait when the org's API limit is reached (403 REQUEST_LIMIT_EXCEEDED)", func(ctx SpecContext) {
		fake.SetLimit(5000, 5000)
		_, err := client.Contact(ctx, annaID)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(err.Error()).To(ContainSubstring("REQUEST_LIMIT_EXCEEDED"))
		wait, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeTrue())
		Expect(wait).To(Equal(api.LimitWait))
	})
	It("is Retryable without a wait for a 5xx", func(ctx SpecContext) {
		fake.Inject(fakesalesforce.ServerError("GET /services/data/", 1))
		_, err := client.Contact(ctx, annaID)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		_, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeFalse())
	})
	It("updates a contact (PATCH, 204) and is Invalid for a field the org does not have", func(ctx SpecContext) {
		Expect(client.UpdateContact(ctx, annaID, map[string]string{"FirstName": "Anne"})).To(Succeed())
		Expect(fake.Contact(annaID)).To(HaveKeyWithValue("FirstName", "Anne"))
		err := client.UpdateContact(ctx, annaID, map[string]string{"Nope__c": "x"})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("INVALID_FIELD"))
	})
	It("describes the Contact object", func(ctx SpecContext) {
		fields, err := client.Describe(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElement(HaveField("Name", "Email")))
	})
	It("reads a contact's topics by id and their names", func(ctx SpecContext) {
		ids, err := client.TopicIDs(ctx, annaID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ids).To(HaveLen(2))
		names, err := client.Topics(ctx, ids)
		Expect(err).NotTo(HaveOccurred())
		Expect(names).To(HaveLen(2))
		Expect(names).To(ContainElements("Customer", "VIP"))
	})
	It("follows nextRecordsUrl through every page", func(ctx SpecContext) {
		fake.SetPageSize(2)
		for _, t := range []string{"a", "b", "c", "d", "e"} {
			fake.AddTopic(t)
		}
		names, err := client.Topics(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(names).To(HaveLen(7))
	})
})

var _ = Describe("finding a contact by e-mail", func() {
	It("finds it, and is NotFound for an address no contact has", func(ctx SpecContext) {
		Expect(client.FindContact(ctx, "ANNA@example.com")).To(Equal(annaID))
		_, err := client.FindContact(ctx, "nobody@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
	})
	DescribeTable("quotes the address so SOQL reads it as one string",
		func(ctx SpecContext, email string) {
			id := fake.AddContact(map[string]any{"LastName": "Quote", "Email": email})
			Expect(client.FindContact(ctx, email)).To(Equal(id))
		},
		Entry("a quote", "o'brien@example.com"),
		Entry("a backslash", `back\slash@example.com`),
		Entry("a backslash before a quote", `x\'y@example.com`),
		Entry("a double quote", `"quoted"@example.com`),
		Entry("an injection attempt", `x' OR Email != 'y`),
	)
	It("cannot be made to match another contact", func(ctx SpecContext) {
		_, err := client.FindContact(ctx, `x' OR Email != 'y`)
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
	})
})

var _ = Describe("SOQL quoting", func() {
	It("escapes backslashes and quotes with a backslash", func() {
		Expect(api.Quote(`o'brien@example.com`)).To(Equal(`'o\'brien@example.com'`))
		Expect(api.Quote(`a\b`)).To(Equal(`'a\\b'`))
		Expect(api.Quote(`a\'b`)).To(Equal(`'a\\\'b'`))
		Expect(api.Quote("a\nb")).To(Equal(`'a\nb'`))
	})
	It("is needed: the fake refuses an unescaped quote as Salesforce does (400 MALFORMED_QUERY)", func(ctx SpecContext) {
		Expect(client.Authenticate(ctx)).To(Succeed())
		_, err := client.Query(ctx, "SELECT Id FROM Contact WHERE Email = 'o'brien@example.com'")
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("MALFORMED_QUERY"))
	})
	It("never puts the e-mail address a query names into an error", func(ctx SpecContext) {
		Expect(client.Authenticate(ctx)).To(Succeed())
		_, err := client.Query(ctx, "SELECT Id FROM Contact WHERE Email = 'o'brien@example.com'")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).NotTo(ContainSubstring("brien"))
		Expect(err.Error()).NotTo(ContainSubstring("example.com"))
		fake.Inject(fakesalesforce.ServerError("GET /services/data/", 1))
		_, err = client.FindContact(ctx, "jane.doe@example.com")
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "%v", err)
		Expect(err.Error()).NotTo(ContainSubstring("jane.doe"))
		Expect(err.Error()).NotTo(ContainSubstring("example.com"))
		fake.Inject(fakesalesforce.Fault{Match: "GET /services/data/", Times: 1, Status: 400,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   `[{"message":"Email = 'jane.doe@example.com'\n ^\nERROR at Row:1:Column:30","errorCode":"MALFORMED_QUERY"}]`})
		_, err = client.FindContact(ctx, "jane.doe@example.com")
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("MALFORMED_QUERY"))
		Expect(err.Error()).NotTo(ContainSubstring("jane.doe"))
	})
	It("reaches the fake URL-encoded", func(ctx SpecContext) {
		_, _ = client.FindContact(ctx, "a+b&c=d@example.com")
		var got []string
		for _, c := range fake.Calls() {
			if c.Query != "" {
				got = append(got, c.Query)
			}
		}
		Expect(got).To(Equal([]string{"SELECT Id FROM Contact WHERE Email = 'a+b&c=d@example.com'"}))
	})
})

var _ = Describe("the fake's answers", func() {
	It("carries Sforce-Limit-Info and 401 INVALID_SESSION_ID as a JSON array", func() {
		resp, err := http.Get(fake.URL + "/services/data/v60.0/sobjects/Contact/" + annaID)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(401))
		Expect(resp.Header.Get("Sforce-Limit-Info")).To(MatchRegexp(`^api-usage=\d+/\d+$`))
		Expect(string(body)).To(Equal(`[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]`))
	})
	It("answers a wrong secret 400 invalid_client", func() {
		resp, err := http.PostForm(fake.URL+"/services/oauth2/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"nope"}})
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(400))
		Expect(string(body)).To(Equal(`{"error":"invalid_client","error_description":"invalid client credentials"}`))
	})
})

var _ = Describe("the org's API usage", func() {
	It("is logged as a warning from 80 % of the daily limit, read from Sforce-Limit-Info", func(ctx SpecContext) {
		var out strings.Builder
		var mu sync.Mutex
		log := hclog.New(&hclog.LoggerOptions{Output: lockedWriter{&mu, &out}, Level: hclog.Info})
		c, err := api.New(api.Config{LoginURL: fake.URL, ClientID: clientID, ClientSecret: clientSecret, Logger: log})
		Expect(err).NotTo(HaveOccurred())

		fake.SetLimit(100, 5000)
		_, err = c.Contact(ctx, annaID)
		Expect(err).NotTo(HaveOccurred())
		mu.Lock()
		Expect(out.String()).NotTo(ContainSubstring("API request limit"))
		mu.Unlock()

		fake.SetLimit(4100, 5000)
		_, err = c.Contact(ctx, annaID)
		Expect(err).NotTo(HaveOccurred())
		mu.Lock()
		defer mu.Unlock()
		Expect(out.String()).To(ContainSubstring("near its daily API request limit"))
		Expect(out.String()).To(ContainSubstring("limit=5000"))
	})
})

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var _ = Describe("connections", func() {
	It("keeps a burst's connections for the next, as the hub's workers call at once", func(ctx SpecContext) {
		opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
			c, err := api.New(api.Config{LoginURL: base, ClientID: clientID, ClientSecret: clientSecret, Logger: hclog.NewNullLogger()})
			if err != nil {
				return nil, err
			}
			// The token is asked for through the proxy too, and the org's
			// instance is then the proxy's address.
			return func() error { _, err := c.Contact(ctx, annaID); return err }, c.Authenticate(ctx)
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})
})
