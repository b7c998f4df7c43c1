package fakesalesforce_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/plugins/salesforce/sfid"
)

func TestFakeSalesforce(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Fake Salesforce")
}

// The plugin's api suite drives the fake through the real client; these
// specs pin what other suites (the hub's end-to-end specs) rely on.
var _ = Describe("the fake org", func() {
	var fake *fakesalesforce.Server
	BeforeEach(func() {
		fake = fakesalesforce.New()
		DeferCleanup(fake.Close)
		fake.AddClient("app", "secret")
	})

	token := func() string {
		resp, err := http.PostForm(fake.URL+"/services/oauth2/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"secret"}})
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		var answer map[string]string
		Expect(json.NewDecoder(resp.Body).Decode(&answer)).To(Succeed())
		Expect(answer).To(HaveKeyWithValue("instance_url", fake.URL))
		Expect(answer).To(HaveKeyWithValue("token_type", "Bearer"))
		return answer["access_token"]
	}
	get := func(tok, path string) (int, string) {
		req, _ := http.NewRequest("GET", fake.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	It("gives contacts and topics valid 18-character ids", func() {
		id := fake.AddContact(map[string]any{"LastName": "X"})
		Expect(id).To(HaveLen(18))
		Expect(id).To(HavePrefix("003"))
		Expect(sfid.Valid(id)).To(BeTrue())
		Expect(sfid.Valid(fake.AddTopic("t"))).To(BeTrue())
		Expect(sfid.Valid(fake.OrgID)).To(BeTrue())
	})
	It("answers a contact by its 15-character id too, with attributes and every field", func() {
		id := fake.AddContact(map[string]any{"LastName": "X"})
		status, body := get(token(), "/services/data/v60.0/sobjects/Contact/"+id[:15])
		Expect(status).To(Equal(200))
		Expect(body).To(ContainSubstring(`"attributes":{"type":"Contact","url":"/services/data/v60.0/sobjects/Contact/` + id + `"}`))
		Expect(body).To(ContainSubstring(`"Email":null`))
	})
	It("pages query answers by nextRecordsUrl, each locator once", func() {
		fake.SetPageSize(1)
		fake.AddTopic("a")
		fake.AddTopic("b")
		tok := token()
		status, body := get(tok, "/services/data/v60.0/query?q="+url.QueryEscape("SELECT Id, Name FROM Topic"))
		Expect(status).To(Equal(200))
		var page struct {
			TotalSize      int
			Done           bool
			NextRecordsURL string
		}
		Expect(json.Unmarshal([]byte(body), &page)).To(Succeed())
		Expect(page.TotalSize).To(Equal(2))
		Expect(page.Done).To(BeFalse())
		status, _ = get(tok, page.NextRecordsURL)
		Expect(status).To(Equal(200))
		status, body = get(tok, page.NextRecordsURL)
		Expect(status).To(Equal(400))
		Expect(body).To(ContainSubstring("INVALID_QUERY_LOCATOR"))
	})
	It("refuses a query it does not know, and an unknown escape, as MALFORMED_QUERY", func() {
		tok := token()
		for _, q := range []string{"SELECT Name FROM Account", `SELECT Id FROM Contact WHERE Email = 'a\qb'`} {
			status, body := get(tok, "/services/data/v60.0/query?q="+url.QueryEscape(q))
			Expect(status).To(Equal(400), q)
			Expect(body).To(ContainSubstring(`"errorCode":"MALFORMED_QUERY"`))
		}
	})
	It("counts API calls against the limit and refuses beyond it", func() {
		fake.SetLimit(0, 1)
		tok := token()
		status, _ := get(tok, "/services/data/v60.0/sobjects/Contact/describe")
		Expect(status).To(Equal(200))
		status, body := get(tok, "/services/data/v60.0/sobjects/Contact/describe")
		Expect(status).To(Equal(403))
		Expect(body).To(Equal(`[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]`))
	})
	It("builds an Outbound Message in Salesforce's shape", func() {
		msg := string(fakesalesforce.OutboundMessage(fake.OrgID, "04kn000000000m5AAA",
			fakesalesforce.Notification{ID: "04ln0000009JvY4AAK", RecordID: "003n000000NOtUbAAL", Email: "kyle@example.com", FirstName: "KYLE"}))
		Expect(msg).To(HavePrefix(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`))
		Expect(msg).To(ContainSubstring("   <OrganizationId>00Dn00000008y2tEAA</OrganizationId>\n   <ActionId>04kn000000000m5AAA</ActionId>\n   <SessionId xsi:nil=\"true\"/>\n"))
		Expect(msg).To(ContainSubstring("   <Notification>\n    <Id>04ln0000009JvY4AAK</Id>\n" +
			`    <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` + "\n" +
			"     <sf:Id>003n000000NOtUbAAL</sf:Id>\n     <sf:Email>kyle@example.com</sf:Email>\n     <sf:FirstName>KYLE</sf:FirstName>\n    </sObject>\n   </Notification>\n"))
	})
})
