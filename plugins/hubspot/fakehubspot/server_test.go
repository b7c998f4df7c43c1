package fakehubspot_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
)

const token = "pat-token"

// call answers status, headers and the JSON body as a map.
func call(fake *fakehubspot.Server, method, path, auth, body string) (int, http.Header, map[string]any) {
	req, err := http.NewRequest(method, fake.URL+path, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, resp.Header, out
}

var _ = Describe("the fake HubSpot", func() {
	var fake *fakehubspot.Server
	BeforeEach(func() {
		fake = fakehubspot.New(token)
		DeferCleanup(fake.Close)
		fake.AddContact(fakehubspot.Contact{ID: "701", Properties: map[string]string{"email": "jane@example.com"}})
	})

	It("answers a missing or wrong token 401 INVALID_AUTHENTICATION, with the limit headers", func() {
		for _, auth := range []string{"", "other"} {
			status, h, body := call(fake, "GET", "/crm/v3/objects/contacts/701", auth, "")
			Expect(status).To(Equal(401))
			Expect(body).To(HaveKeyWithValue("category", "INVALID_AUTHENTICATION"))
			Expect(body).To(HaveKeyWithValue("status", "error"))
			Expect(h.Get("X-HubSpot-RateLimit-Daily")).To(Equal("250000"))
		}
	})
	It("answers an unknown contact with HubSpot's 404 body", func() {
		status, _, body := call(fake, "GET", "/crm/v3/objects/contacts/999", token, "")
		Expect(status).To(Equal(404))
		Expect(body).To(HaveKeyWithValue("message", "Object not found.  objectId are usually numeric."))
		Expect(body).To(HaveKeyWithValue("category", "OBJECT_NOT_FOUND"))
		Expect(body).To(HaveKeyWithValue("context", map[string]any{"id": []any{"999"}}))
		Expect(body).To(HaveKey("correlationId"))
	})
	It("answers a contact with string ids and every requested property, null when unset", func() {
		status, h, body := call(fake, "GET", "/crm/v3/objects/contacts/701?properties=email,phone", token, "")
		Expect(status).To(Equal(200))
		Expect(body).To(HaveKeyWithValue("id", "701"))
		Expect(body["properties"]).To(And(HaveKeyWithValue("email", "jane@example.com"), HaveKeyWithValue("phone", BeNil())))
		for _, k := range []string{"Daily", "Daily-Remaining", "Secondly", "Secondly-Remaining", "Interval-Milliseconds", "Max", "Remaining"} {
			Expect(h.Get("X-HubSpot-RateLimit-"+k)).NotTo(BeEmpty(), k)
		}
	})
	It("limits searches to 4 a second with a SECONDLY RATE_LIMIT 429", func() {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		fake.SetClock(func() time.Time { return now })
		search := `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ","value":"jane@example.com"}]}],"limit":1}`
		for range 4 {
			status, _, body := call(fake, "POST", "/crm/v3/objects/contacts/search", token, search)
			Expect(status).To(Equal(200))
			Expect(body).To(HaveKeyWithValue("total", BeNumerically("==", 1)))
		}
		status, h, body := call(fake, "POST", "/crm/v3/objects/contacts/search", token, search)
		Expect(status).To(Equal(429))
		Expect(body).To(HaveKeyWithValue("errorType", "RATE_LIMIT"))
		Expect(body).To(HaveKeyWithValue("policyName", "SECONDLY"))
		Expect(h.Get("Retry-After")).To(Equal("1"))
		now = now.Add(time.Second)
		status, _, _ = call(fake, "POST", "/crm/v3/objects/contacts/search", token, search)
		Expect(status).To(Equal(200))
	})
	It("answers the daily 429 body as HubSpot documents it", func() {
		fake.RateLimitNext(1, "DAILY", "")
		status, _, body := call(fake, "GET", "/crm/v3/objects/contacts/701", token, "")
		Expect(status).To(Equal(429))
		Expect(body).To(HaveKeyWithValue("message", "You have reached your daily limit."))
		Expect(body).To(HaveKeyWithValue("policyName", "DAILY"))
		Expect(body).To(HaveKey("requestId"))
		Expect(fake.Calls()).To(HaveLen(1))
	})
})
