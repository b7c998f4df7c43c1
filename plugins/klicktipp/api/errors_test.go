package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
	"github.com/crmhub/crmhub/sdk"
)

// answer is what a spec expects of a failed call.
type answer struct {
	kind       sdk.Kind
	retryAfter time.Duration
	says       string // part of the message
}

func getAnna(ctx context.Context, c *api.Client) error {
	_, err := c.Subscriber(ctx, "155988456")
	return err
}

func updateAnna(ctx context.Context, c *api.Client) error {
	return c.Update(ctx, "155988456", api.Changes{Fields: map[string]string{"fieldFirstName": "Anne"}})
}

func listTags(ctx context.Context, c *api.Client) error {
	_, err := c.Tags(ctx)
	return err
}

func jsonFault(match string, status int, body string) fakeklicktipp.Fault {
	return fakeklicktipp.Fault{Match: match, Status: status, Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}}
}

var _ = Describe("Error mapping", func() {
	var fake *fakeklicktipp.Server
	BeforeEach(func() { fake = newFake() })

	expectAnswer := func(err error, want answer) {
		Expect(err).To(HaveOccurred())
		Expect(sdk.KindOf(err)).To(Equal(want.kind), "got %v", err)
		after, _ := sdk.RetryAfter(err)
		Expect(after).To(Equal(want.retryAfter))
		Expect(err.Error()).To(ContainSubstring(want.says))
		Expect(err.Error()).NotTo(ContainSubstring(apiPassword))
	}

	DescribeTable("maps KlickTipp's answers by status, never by message text",
		func(ctx SpecContext, call func(context.Context, *api.Client) error, fault *fakeklicktipp.Fault, want answer) {
			if fault != nil {
				fault.Match = cmpOr(fault.Match, "GET /subscriber/")
				fake.Inject(*fault)
			}
			expectAnswer(call(ctx, sessionClient(fake)), want)
		},
		Entry("404 for an unknown subscriber → NotFound",
			func(ctx context.Context, c *api.Client) error { _, err := c.Subscriber(ctx, "404404"); return err },
			nil, answer{kind: sdk.KindNotFound, says: "no contact 404404"}),
		Entry("404 with an empty body → NotFound",
			getAnna, &fakeklicktipp.Fault{Status: 404}, answer{kind: sdk.KindNotFound, says: "HTTP 404"}),
		Entry("404 of a search → NotFound",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Search(ctx, "nobody@example.com")
				return err
			},
			nil, answer{kind: sdk.KindNotFound, says: "Diesen Kontakt gibt es nicht."}),
		Entry("406 \"contact does not exist\" of an update → NotFound",
			func(ctx context.Context, c *api.Client) error {
				return c.Update(ctx, "406406", api.Changes{Fields: map[string]string{"fieldFirstName": "x"}})
			},
			nil, answer{kind: sdk.KindNotFound, says: "no contact 406406"}),
		Entry("a non-numeric id → NotFound, without a call",
			func(ctx context.Context, c *api.Client) error { _, err := c.Subscriber(ctx, "../tag"); return err },
			nil, answer{kind: sdk.KindNotFound, says: "ids are numbers"}),
		Entry("429 → Retryable after its Retry-After",
			getAnna, ptr(fakeklicktipp.RateLimited("", 1, 7*time.Second)),
			answer{kind: sdk.KindRetryable, retryAfter: 7 * time.Second, says: "HTTP 429"}),
		Entry("500 → Retryable",
			getAnna, ptr(jsonFault("", 500, `["Internal error"]`)), answer{kind: sdk.KindRetryable, says: "HTTP 500: Internal error"}),
		Entry("503 from a proxy → Retryable, quoting the start of its page",
			getAnna, ptr(fakeklicktipp.ServerError("", 1)), answer{kind: sdk.KindRetryable, says: `HTTP 503: "<html>`}),
		Entry("503 with Retry-After → Retryable after it",
			getAnna, &fakeklicktipp.Fault{Status: 503, Header: http.Header{"Retry-After": {"30"}}},
			answer{kind: sdk.KindRetryable, retryAfter: 30 * time.Second, says: "HTTP 503"}),
		Entry("200 with JSON cut off → Retryable, quoting an excerpt",
			getAnna, ptr(fakeklicktipp.BadJSON("", 1)), answer{kind: sdk.KindRetryable, says: `{\"id\":\"155988456\"`}),
		Entry("200 with a second value after the contact → Retryable",
			getAnna, ptr(jsonFault("", 200, `{"id":"155988456","email":"anna@example.com"} {}`)),
			answer{kind: sdk.KindRetryable, says: "not the JSON expected"}),
		Entry("200 with HTML → Retryable, quoting an excerpt",
			listTags, &fakeklicktipp.Fault{Match: "GET /tag", Status: 200, Body: "<html>maintenance</html>"},
			answer{kind: sdk.KindRetryable, says: `"<html>maintenance</html>"`}),
		Entry("404 of GET /tag → Invalid: the base URL is wrong",
			listTags, &fakeklicktipp.Fault{Match: "GET /tag", Status: 404}, answer{kind: sdk.KindInvalid, says: "check base_url"}),
		Entry("400 → Invalid",
			updateAnna, ptr(jsonFault("PUT /subscriber/", 400, `["Bad request"]`)), answer{kind: sdk.KindInvalid, says: "HTTP 400: Bad request"}),
		Entry("an unknown field in an update → Invalid, naming the field",
			func(ctx context.Context, c *api.Client) error {
				return c.Update(ctx, "155988456", api.Changes{Fields: map[string]string{"field999": "x"}})
			},
			nil, answer{kind: sdk.KindInvalid, says: "error 8, field validation failed (HTTP 406: Feld ungültig, field field999)"}),
		Entry("an e-mail address another contact has → Invalid",
			func(ctx context.Context, c *api.Client) error {
				return c.Update(ctx, "155988456", api.Changes{NewEmail: "ben@example.com"})
			},
			nil, answer{kind: sdk.KindInvalid, says: "error 507"}),
	)

	DescribeTable("maps {\"error\":N} answers by KlickTipp's code table",
		func(ctx SpecContext, body string, want answer) {
			fake.Inject(jsonFault("PUT /subscriber/", http.StatusNotAcceptable, body))
			expectAnswer(updateAnna(ctx, sessionClient(fake)), want)
		},
		Entry("4 subscription not found → NotFound", `{"error":4}`, answer{kind: sdk.KindNotFound, says: "subscription not found"}),
		Entry("5 e-mail invalid → Invalid", `{"error":5}`, answer{kind: sdk.KindInvalid, says: "e-mail address invalid"}),
		Entry("7 subscriber e-mail not found → NotFound", `{"error":7}`, answer{kind: sdk.KindNotFound, says: "no contact 155988456"}),
		Entry("8 field validation failed → Invalid", `{"error":8,"code":8,"field":"fieldZip","reason":"bad zip"}`,
			answer{kind: sdk.KindInvalid, says: "bad zip, field fieldZip"}),
		Entry("9 not subscribed → Invalid", `{"error":9}`, answer{kind: sdk.KindInvalid, says: "not subscribed"}),
		Entry("10 update failed → Retryable", `{"error":10}`, answer{kind: sdk.KindRetryable, says: "update failed"}),
		Entry("30 e-mail change not allowed → Invalid", `{"error":30}`, answer{kind: sdk.KindInvalid, says: "e-mail change not allowed"}),
		Entry("31 cannot untag a SmartTag → Invalid", `{"error":31}`, answer{kind: sdk.KindInvalid, says: "SmartTag"}),
		Entry("401 user not found → Unauthenticated", `{"error":401}`, answer{kind: sdk.KindUnauthenticated, says: "user not found"}),
		Entry("403 tag not found → NotFound", `{"error":403}`, answer{kind: sdk.KindNotFound, says: "tag not found"}),
		Entry("507 e-mail address exists → Invalid", `{"error":507}`, answer{kind: sdk.KindInvalid, says: "e-mail address exists"}),
		Entry("a code given as a string", `{"error":"7"}`, answer{kind: sdk.KindNotFound, says: "error 7"}),
		Entry("a code not in the table → Retryable", `{"error":999}`, answer{kind: sdk.KindRetryable, says: "KlickTipp error 999"}),
	)

	It("maps a network error to Retryable", func(ctx SpecContext) {
		client := sessionClient(fake)
		fake.Close()
		err := getAnna(ctx, client)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(err.Error()).To(ContainSubstring("POST /account/login"))
	})

	It("honours the context's deadline", func(ctx SpecContext) {
		fake.Inject(fakeklicktipp.Slow("GET /subscriber/", 1, time.Minute))
		client := sessionClient(fake)
		callCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		err := getAnna(callCtx, client)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "got %v", err)
	})

	It("bounds each exchange by the configured timeout", func(ctx SpecContext) {
		fake.Inject(fakeklicktipp.Slow("GET /subscriber/", 1, time.Minute))
		client := newClient(api.Config{BaseURL: fake.URL, Timeout: 50 * time.Millisecond,
			Auth: api.Session{Username: apiUser, Password: apiPassword}})
		err := getAnna(ctx, client)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(err.Error()).To(ContainSubstring("Timeout"))
	})

	It("refuses an answer larger than its bound as Retryable", func(ctx SpecContext) {
		huge := `{"x":"` + strings.Repeat("a", 9<<20) + `"}`
		fake.Inject(fakeklicktipp.Fault{Match: "GET /tag", Status: 200, Body: huge})
		err := listTags(ctx, sessionClient(fake))
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(err.Error()).To(ContainSubstring("larger than 8 MiB"))
	})

	It("never quotes the login's answer, which carries the session id", func(ctx SpecContext) {
		fake.Inject(fakeklicktipp.Fault{Match: "POST /account/login", Status: 200, Body: `{"sessid":"s3cret-sess`})
		err := sessionClient(fake).Login(ctx)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
	})

	It("reads a Retry-After given as an HTTP date", func(ctx SpecContext) {
		at := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
		fake.Inject(fakeklicktipp.Fault{Match: "GET /tag", Status: 429, Header: http.Header{"Retry-After": {at}}})
		err := listTags(ctx, sessionClient(fake))
		after, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeTrue())
		Expect(after).To(BeNumerically(">", 58*time.Minute))
	})

	It("treats a base URL that answers 404 to everything as Invalid", func(ctx SpecContext) {
		notKlickTipp := httptest.NewServer(http.NotFoundHandler())
		DeferCleanup(notKlickTipp.Close)
		client := newClient(api.Config{BaseURL: notKlickTipp.URL, Auth: api.Session{Username: apiUser, Password: apiPassword}})
		Expect(sdk.KindOf(client.Login(ctx))).To(Equal(sdk.KindInvalid))
	})
})

func ptr[T any](v T) *T { return &v }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
