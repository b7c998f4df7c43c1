package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// The secrets of these specs. The special ones hold characters that every
// encoding writes differently, so a spec sees a key that survived encoded.
const (
	plainKey   = "plainkey123"    // the global key, klicktipp's
	specialKey = "k3y+/=&x y"     // acme's own key
	adminToken = "adm1n/t0k+en&=" // the admin API's token
	// An app's bearer token and signing secret, and a disabled app's token.
	hookAppToken         = "4pp+t0k/en&=-of-the-shop"
	hookAppSecret        = "whsec_Mf+Q9r8GKYqr/wjUPD8ILPZIo2LaLaSw"
	hookDisabledAppToken = "0ld/4pp+t0k&=-of-old-shop"
)

// secrets are every secret a hook could be sent.
var secrets = []string{plainKey, specialKey, adminToken, hookAppToken, hookAppSecret, hookDisabledAppToken}

// request is one webhook as a client sends it.
type request struct {
	method, path, contentType, body string
	header                          http.Header
}

// crmKey pairs a CRM with the key its webhooks carry.
type crmKey struct{ crm, key string }

var (
	klicktipp = crmKey{"klicktipp", plainKey}
	acme      = crmKey{"acme", specialKey}
)

func hook(c crmKey, query string) string { return "/hooks/" + c.crm + "?action=add" + query }

func qe(s string) string { return url.QueryEscape(s) }

// jsonString encodes s as Go does, "&" as \u0026.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// multipartBody is a multipart/form-data body of fields, in order.
func multipartBody(fields ...string) (contentType, body string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i < len(fields); i += 2 {
		Expect(w.WriteField(fields[i], fields[i+1])).To(Succeed())
	}
	Expect(w.Close()).To(Succeed())
	return w.FormDataContentType(), buf.String()
}

// spellings are the ways a secret may be written in a stored request: as
// is, percent-encoded for a query or a path (either case of hex, once or
// twice), and JSON-escaped as Go or PHP writes it.
func spellings(secret string) []string {
	lowerHex := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && i+2 < len(s) {
				b.WriteString("%" + strings.ToLower(s[i+1:i+3]))
				i += 2
				continue
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	goJSON := strings.Trim(jsonString(secret), `"`)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	Expect(enc.Encode(secret)).To(Succeed())
	plainJSON := strings.Trim(strings.TrimSpace(plain.String()), `"`)
	return []string{
		secret,
		url.QueryEscape(secret), lowerHex(url.QueryEscape(secret)),
		url.PathEscape(secret), lowerHex(url.PathEscape(secret)),
		strings.ReplaceAll(url.QueryEscape(secret), "+", "%20"),
		url.QueryEscape(url.QueryEscape(secret)),
		goJSON, plainJSON, strings.ReplaceAll(plainJSON, "/", `\/`),
	}
}

var _ = Describe("The access key of a webhook", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			srv *httptest.Server
			st  *store.Store
		)

		BeforeEach(func() {
			st = db.Store()
			cfg := loadConfig(`
access_key: ` + plainKey + `
admin: { token: "` + adminToken + `" }
crms:
  klicktipp: { enabled: true }
  acme: { enabled: true, access_key: "` + specialKey + `" }
apps:
  shop: { secret: "` + hookAppSecret + `", token: "` + hookAppToken + `" }
  old-shop: { enabled: false, token: "` + hookDisabledAppToken + `" }
`)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			in := inbox.New(st, asleep{}, nil, inbox.Options{CRMs: cfg.Enabled}, log)
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() { in.Stop(context.Background()) })
			s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Store: st, Inbox: in, Log: log})
			srv = httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
		})

		send := func(r request) int {
			req, err := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
			Expect(err).NotTo(HaveOccurred())
			for name, values := range r.header {
				req.Header[name] = values
			}
			if r.contentType != "" {
				req.Header.Set("Content-Type", r.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			return resp.StatusCode
		}
		events := func() []store.Event {
			var evs []store.Event
			Expect(st.DB().NewSelect().Model(&evs).Order("id").Scan(context.Background())).To(Succeed())
			return evs
		}
		// expectNoSecretStored looks at every text of every stored event.
		expectNoSecretStored := func() {
			for _, ev := range events() {
				stored := map[string]string{"query": ev.Query, "header": ev.Header, "content type": ev.ContentType,
					"body": string(ev.Body), "role": ev.Role}
				for field, text := range stored {
					for _, secret := range secrets {
						for _, spelled := range spellings(secret) {
							Expect(text).NotTo(ContainSubstring(spelled), "the stored %s carries a secret", field)
						}
					}
				}
			}
		}

		DescribeTable("is accepted from where the contract reads it and is never stored",
			func(c crmKey, build func(crmKey) request, wantBody string) {
				Expect(send(build(c))).To(Equal(http.StatusAccepted))
				evs := events()
				Expect(evs).To(HaveLen(1))
				if wantBody != "" {
					Expect(string(evs[0].Body)).To(Equal(wantBody))
				}
				expectNoSecretStored()
			},
			bothKeys("in the query", queryKey, ""),
			bothKeys("in a form body", formKey, "SubscriberID=1&email=a%40example.com"),
			bothKeys("in a form body with one bad percent-escape, kept for the plugin to judge", malformedFormKey, "SubscriberID=1&note=100%&email=a%40example.com"),
			bothKeys("in the query and a form body with one bad percent-escape", queryAndMalformedFormKey, "note=%zz&SubscriberID=1"),
			bothKeys("in a form body sent without a Content-Type", untypedFormKey, "SubscriberID=1"),
			bothKeys("in the query and a form body sent without a Content-Type", queryAndUntypedFormKey, "SubscriberID=1"),
			bothKeys("in a multipart body", multipartKey, ""),
			bothKeys("in the query and a multipart body", queryAndMultipartKey, ""),
			bothKeys("in a JSON body, as Go writes it", jsonKey, `{"SubscriberID":"1", "email":"a@example.com"}`),
			Entry("in a JSON body, as PHP writes it, with a CRM's own key", acme, phpJSONKey, `{"SubscriberID":"1"}`),
			Entry("in a JSON body's Authorization field, with a CRM's own key", acme, jsonAuthorizationField, `{"SubscriberID":1}`),
			Entry("in the query and again in JSON, as PHP writes it, inside a form field, with a CRM's own key", acme, queryAndFormJSONKey,
				"SubscriberID=1&payload="+qe(`{"k":"`)+"[redacted]"+qe(`"}`)),
			bothKeys("in the Authorization header, as a bearer token", bearerKey, ""),
			bothKeys("in the Authorization header, bare", bareHeaderKey, ""),
			Entry("in the query and again in a field of a text body, with a CRM's own key", acme, queryAndTextBodyKey, ""),
			Entry("in the query and again in a nested JSON field, with a CRM's own key", acme, queryAndNestedJSONKey, `{"data":{"access_key":"[redacted]"},"SubscriberID":"1"}`),
			Entry("in the query and again inside a URL in a field, with a CRM's own key", acme, queryAndCallbackKey, ""),
			Entry("in the query and again in another header, with a CRM's own key", acme, queryAndOtherHeaderKey, ""),
		)

		It("keeps a multipart body's other parts", func() {
			contentType, body := multipartBody("SubscriberID", "1", "access_key", specialKey, "email", "a@example.com")
			Expect(send(request{method: "POST", path: hook(acme, ""), contentType: contentType, body: body})).To(Equal(http.StatusAccepted))
			ev := events()[0]
			form, err := multipart.NewReader(bytes.NewReader(ev.Body), strings.TrimPrefix(contentType, "multipart/form-data; boundary=")).ReadForm(1 << 20)
			Expect(err).NotTo(HaveOccurred())
			Expect(form.Value).To(Equal(map[string][]string{"SubscriberID": {"1"}, "email": {"a@example.com"}}))
		})

		DescribeTable("is not stored when the admin token comes with a hook",
			func(build func() request, want int) {
				Expect(send(build())).To(Equal(want))
				if want == http.StatusAccepted {
					Expect(events()).To(HaveLen(1))
				} else {
					Expect(events()).To(BeEmpty())
				}
				expectNoSecretStored()
			},
			Entry("as the key: rejected, nothing stored", func() request {
				return request{method: "POST", path: hook(acme, "&access_key="+qe(adminToken)), contentType: "application/x-www-form-urlencoded", body: "SubscriberID=1"}
			}, http.StatusForbidden),
			Entry("as a form body's Authorization, beside the key", func() request {
				return request{method: "POST", path: hook(acme, "&access_key="+qe(specialKey)), contentType: "application/x-www-form-urlencoded",
					body: "SubscriberID=1&Authorization=" + qe(adminToken)}
			}, http.StatusAccepted),
			Entry("as the Authorization header, beside the key", func() request {
				return request{method: "POST", path: hook(acme, "&access_key="+qe(specialKey)), contentType: "application/x-www-form-urlencoded",
					body: "SubscriberID=1", header: http.Header{"Authorization": {"Bearer " + adminToken}}}
			}, http.StatusAccepted),
			Entry("in a field of its own", func() request {
				return request{method: "POST", path: hook(acme, "&access_key="+qe(specialKey)), contentType: "application/json",
					body: `{"SubscriberID":"1","token":` + jsonString(adminToken) + `}`}
			}, http.StatusAccepted),
			Entry("in the query under another name", func() request {
				return request{method: "GET", path: hook(acme, "&SubscriberID=1&token="+qe(adminToken)+"&access_key="+qe(specialKey))}
			}, http.StatusAccepted),
		)

		DescribeTable("is not stored when an app's token or secret comes with a hook",
			func(build func() request) {
				Expect(send(build())).To(Equal(http.StatusAccepted))
				Expect(events()).To(HaveLen(1))
				expectNoSecretStored()
			},
			Entry("an app's token as the Authorization header, beside the key", func() request {
				return request{method: "POST", path: hook(acme, "&access_key="+qe(specialKey)), contentType: "application/x-www-form-urlencoded",
					body: "SubscriberID=1", header: http.Header{"Authorization": {"Bearer " + hookAppToken}}}
			}),
			Entry("an app's token in a JSON field", func() request {
				return request{method: "POST", path: hook(acme, "&access_key="+qe(specialKey)), contentType: "application/json",
					body: `{"SubscriberID":"1","token":` + jsonString(hookAppToken) + `}`}
			}),
			Entry("an app's token in the query under another name", func() request {
				return request{method: "GET", path: hook(klicktipp, "&SubscriberID=1&token="+qe(hookAppToken)+"&access_key="+qe(plainKey))}
			}),
			Entry("an app's signing secret in a form field", func() request {
				return request{method: "POST", path: hook(klicktipp, "&access_key="+qe(plainKey)), contentType: "application/x-www-form-urlencoded",
					body: "SubscriberID=1&secret=" + qe(hookAppSecret)}
			}),
			Entry("a disabled app's token in another header", func() request {
				return request{method: "POST", path: hook(klicktipp, "&SubscriberID=1&access_key="+qe(plainKey)),
					header: http.Header{"X-Api-Key": {hookDisabledAppToken}}}
			}),
		)
	})
})

func queryKey(c crmKey) request {
	return request{method: "GET", path: hook(c, "&SubscriberID=1&access_key="+qe(c.key))}
}

func formKey(c crmKey) request {
	return request{method: "POST", path: hook(c, ""), contentType: "application/x-www-form-urlencoded",
		body: "SubscriberID=1&access_key=" + qe(c.key) + "&email=a%40example.com"}
}

func malformedFormKey(c crmKey) request {
	return request{method: "POST", path: hook(c, ""), contentType: "application/x-www-form-urlencoded",
		body: "SubscriberID=1&note=100%&access_key=" + qe(c.key) + "&email=a%40example.com"}
}

func queryAndMalformedFormKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&access_key="+qe(c.key)), contentType: "application/x-www-form-urlencoded",
		body: "access_key=" + qe(c.key) + "&note=%zz&SubscriberID=1"}
}

func untypedFormKey(c crmKey) request {
	return request{method: "POST", path: hook(c, ""), body: "SubscriberID=1&access_key=" + qe(c.key)}
}

func queryAndUntypedFormKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&access_key="+qe(c.key)), body: "SubscriberID=1&access_key=" + qe(c.key)}
}

func multipartKey(c crmKey) request {
	contentType, body := multipartBody("SubscriberID", "1", "access_key", c.key)
	return request{method: "POST", path: hook(c, ""), contentType: contentType, body: body}
}

func queryAndMultipartKey(c crmKey) request {
	contentType, body := multipartBody("access_key", c.key, "SubscriberID", "1")
	return request{method: "POST", path: hook(c, "&access_key="+qe(c.key)), contentType: contentType, body: body}
}

func jsonKey(c crmKey) request {
	return request{method: "POST", path: hook(c, ""), contentType: "application/json",
		body: `{"SubscriberID":"1", "access_key":` + jsonString(c.key) + `, "email":"a@example.com"}`}
}

func phpJSONKey(c crmKey) request {
	return request{method: "POST", path: hook(c, ""), contentType: "application/json",
		body: `{"access_key":"` + strings.ReplaceAll(c.key, "/", `\/`) + `","SubscriberID":"1"}`}
}

func queryAndFormJSONKey(c crmKey) request {
	payload := `{"k":"` + strings.ReplaceAll(c.key, "/", `\/`) + `"}`
	return request{method: "POST", path: hook(c, "&access_key="+qe(c.key)), contentType: "application/x-www-form-urlencoded",
		body: "SubscriberID=1&payload=" + qe(payload)}
}

func jsonAuthorizationField(c crmKey) request {
	return request{method: "POST", path: hook(c, ""), contentType: "application/json",
		body: `{"Authorization":` + jsonString(c.key) + `,"SubscriberID":1}`}
}

func bearerKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&SubscriberID=1"), header: http.Header{"Authorization": {"Bearer " + c.key}}}
}

func bareHeaderKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&SubscriberID=1"), header: http.Header{"Authorization": {c.key}}}
}

func queryAndTextBodyKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&access_key="+qe(c.key)), contentType: "text/plain",
		body: "SubscriberID=1&access_key=" + qe(c.key)}
}

func queryAndNestedJSONKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&access_key="+qe(c.key)), contentType: "application/json",
		body: `{"data":{"access_key":` + jsonString(c.key) + `},"SubscriberID":"1"}`}
}

func queryAndCallbackKey(c crmKey) request {
	callback := "https://example.com/back?access_key=" + qe(c.key)
	return request{method: "GET", path: hook(c, "&SubscriberID=1&callback="+qe(callback)+"&access_key="+qe(c.key))}
}

func queryAndOtherHeaderKey(c crmKey) request {
	return request{method: "POST", path: hook(c, "&SubscriberID=1&access_key="+qe(c.key)),
		header: http.Header{"X-Api-Key": {c.key}}}
}

// bothKeys is a table entry for the global key, plain, and one for a
// CRM's own key, full of characters to encode.
func bothKeys(description string, build func(crmKey) request, body string) []TableEntry {
	return []TableEntry{
		Entry(description+", with the global key", klicktipp, build, body),
		Entry(description+", with a CRM's own key", acme, build, body),
	}
}
