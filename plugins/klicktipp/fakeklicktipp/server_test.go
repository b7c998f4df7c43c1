package fakeklicktipp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// exchange is one raw HTTP call to the fake.
type exchange struct {
	status int
	header http.Header
	body   string
}

var _ = Describe("The fake KlickTipp API", func() {
	var fake *fakeklicktipp.Server
	var cookie string

	do := func(method, path, contentType, body string, header ...string) exchange {
		req, err := http.NewRequest(method, fake.URL+path, strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		return exchange{resp.StatusCode, resp.Header, string(b)}
	}
	form := "application/x-www-form-urlencoded"

	login := func() {
		got := do("POST", "/account/login", form, "username=u&password=p")
		Expect(got.status).To(Equal(http.StatusOK))
		var answer struct {
			SessID      string `json:"sessid"`
			SessionName string `json:"session_name"`
		}
		Expect(json.Unmarshal([]byte(got.body), &answer)).To(Succeed())
		cookie = answer.SessionName + "=" + answer.SessID
	}

	BeforeEach(func() {
		cookie = ""
		fake = fakeklicktipp.New()
		DeferCleanup(fake.Close)
		fake.AddUser("u", "p")
		fake.AddSubscriber(fakeklicktipp.Subscriber{ID: "7", Email: "anna@example.com", ManualTags: []string{"1"}})
	})

	It("answers a subscriber with string values, nulls and [] for empty maps", func() {
		login()
		got := do("GET", "/subscriber/7", "", "")
		Expect(got.status).To(Equal(http.StatusOK))
		var sub map[string]any
		Expect(json.Unmarshal([]byte(got.body), &sub)).To(Succeed())
		Expect(sub).To(HaveKeyWithValue("id", "7"))
		Expect(sub).To(HaveKeyWithValue("sms_phone", BeNil()))
		Expect(sub).To(HaveKeyWithValue("smart_tags", BeEmpty()))
		Expect(got.body).To(ContainSubstring(`"smart_tags":[]`))
		Expect(sub).To(HaveKeyWithValue("manual_tags", HaveKeyWithValue("1", MatchRegexp(`^\d+$`))))
		for key, value := range sub {
			if strings.HasPrefix(key, "field") {
				Expect(value).To(BeAssignableToTypeOf(""), key)
			}
		}
	})

	It("refuses a call without a session, and a second login while logged in", func() {
		Expect(do("GET", "/tag", "", "").status).To(Equal(http.StatusUnauthorized))
		got := do("POST", "/account/login", form, "username=u&password=x")
		Expect(got.status).To(Equal(http.StatusUnauthorized))
		Expect(got.body).To(ContainSubstring("Wrong username or password."))

		login()
		got = do("POST", "/account/login", form, "username=u&password=p")
		Expect(got.status).To(Equal(http.StatusNotAcceptable))
		Expect(got.body).To(ContainSubstring("Sie sind bereits eingeloggt."))
		Expect(fake.Logins()).To(Equal(1))
	})

	It("ends sessions on ExpireSessions and on logout", func() {
		login()
		fake.ExpireSessions()
		Expect(do("GET", "/tag", "", "").status).To(Equal(http.StatusUnauthorized))
		login()
		Expect(do("POST", "/account/logout", "", "").status).To(Equal(http.StatusOK))
		Expect(do("GET", "/tag", "", "").status).To(Equal(http.StatusUnauthorized))
	})

	It("keeps a cookie on the way with KeepCookies: a login then meets a live session and is answered 406, a bare logout ends it", func() {
		fake.KeepCookies(true)
		login()
		Expect(do("GET", "/tag", "", "").status).To(Equal(http.StatusOK), "the fake keeps this call's cookie")
		Expect(fake.Sessions()).To(Equal(1))

		cookie = "" // a client that sends no cookie of its own
		got := do("POST", "/account/login", form, "username=u&password=p")
		Expect(got.status).To(Equal(http.StatusNotAcceptable))
		Expect(got.body).To(ContainSubstring("Sie sind bereits eingeloggt."))
		Expect(do("POST", "/account/logout", "", "").status).To(Equal(http.StatusOK))
		Expect(fake.Sessions()).To(BeZero())
		login()
		Expect(fake.Sessions()).To(Equal(1))
		Expect(fake.Logins()).To(Equal(2))
	})

	It("answers a login 406 with the fault AlreadyLoggedIn, however the request looks", func() {
		fake.Inject(fakeklicktipp.AlreadyLoggedIn(1))
		got := do("POST", "/account/login", form, "username=u&password=p")
		Expect(got.status).To(Equal(http.StatusNotAcceptable))
		Expect(got.body).To(ContainSubstring("Sie sind bereits eingeloggt."))
		login()
		Expect(fake.Sessions()).To(Equal(1))
	})

	It("takes an update as JSON too", func() {
		login()
		got := do("PUT", "/subscriber/7", "application/json", `{"fields":{"fieldCity":"Köln"},"newemail":"anna@example.org"}`)
		Expect(got.status).To(Equal(http.StatusOK))
		Expect(got.body).To(Equal("[true]\n"))
		sub, _ := fake.Subscriber("7")
		Expect(sub.Email).To(Equal("anna@example.org"))
		Expect(sub.Fields).To(HaveKeyWithValue("fieldCity", "Köln"))
	})

	It("answers an unknown field with an error object", func() {
		login()
		got := do("PUT", "/subscriber/7", form, url.Values{"fields[fieldNope]": {"x"}}.Encode())
		Expect(got.status).To(Equal(http.StatusNotAcceptable))
		Expect(got.body).To(ContainSubstring(`"error":8`))
		Expect(got.body).To(ContainSubstring(`"field":"fieldNope"`))
	})

	It("applies a fault to as many matching calls as asked, then answers normally", func() {
		login()
		fake.Inject(fakeklicktipp.RateLimited("GET /tag", 2, 1500*time.Millisecond))
		for range 2 {
			got := do("GET", "/tag", "", "")
			Expect(got.status).To(Equal(http.StatusTooManyRequests))
			Expect(got.header.Get("Retry-After")).To(Equal("2"))
		}
		Expect(do("GET", "/tag", "", "").status).To(Equal(http.StatusOK))
		Expect(do("GET", "/subscriber/7", "", "").status).To(Equal(http.StatusOK))
	})

	It("holds calls while stalled, until released", func() {
		login()
		release := fake.Stall()
		answered := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			answered <- do("GET", "/tag", "", "").status
		}()
		Consistently(answered, "50ms").ShouldNot(Receive())
		release()
		Eventually(answered).Should(Receive(Equal(http.StatusOK)))
	})

	It("records each call with the subscriber it was about and when it ran", func() {
		login()
		do("GET", "/subscriber/7", "", "")
		do("POST", "/subscriber/search", form, "email=anna%40example.com")
		calls := fake.Calls()
		Expect(calls).To(HaveLen(3))
		Expect(calls[1].Subscriber).To(Equal("7"))
		Expect(calls[2].Subscriber).To(Equal("7"))
		Expect(calls[1].End).NotTo(BeTemporally("<", calls[1].Start))
		Expect(calls[1].Overlaps(calls[2])).To(BeFalse())
		Expect(calls[1].Overlaps(calls[1])).To(BeTrue())
		Expect(fake.CallCount("POST /subscriber/")).To(Equal(1))
	})

	It("is safe for concurrent use", func() {
		login()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				defer GinkgoRecover()
				fake.AddTag(string(rune('a'+i)), "t")
				Expect(do("GET", "/subscriber/7", "", "").status).To(Equal(http.StatusOK))
				Expect(fake.SetField("7", "fieldCity", "x")).To(Succeed())
			})
		}
		wg.Wait()
		Expect(fake.CallCount("GET /subscriber/7")).To(Equal(8))
	})
})
