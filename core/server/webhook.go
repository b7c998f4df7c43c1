package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Webhook actions (docs/http.md).
const (
	actionAdd        = "add"
	actionUpdate     = "update"
	actionUpdateTags = "update_tags"
	actionTest       = "test"
)

func knownAction(a string) bool {
	switch a {
	case actionAdd, actionUpdate, actionUpdateTags, actionTest:
		return true
	}
	return false
}

// keyParams are the names the access key may come under, in a query, form
// or JSON body; all are removed before a webhook is stored.
var keyParams = []string{"access_key", "Authorization"}

// credentialHeaders are never stored: they carry the key or a client's
// own credentials, which the hub has no use for once the key is checked.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// webhookRequest is a webhook's parameters, read from its query and from a
// form, multipart or top-level JSON body, with the access key taken out.
type webhookRequest struct {
	query url.Values
	body  []byte
	// params holds the body's fields (form or JSON strings) under the query's.
	params url.Values
	key    string
	header http.Header
}

// parseWebhook reads r's parameters and takes the access key out of the
// query, the body and the headers. A body is read the way the plugins read
// it: JSON when it is an object or says JSON, a form when it says so or
// says nothing. A body it cannot read is kept as it came; the secrets are
// still redacted from it when the event is built.
func parseWebhook(r *http.Request, body []byte) *webhookRequest {
	wr := &webhookRequest{query: r.URL.Query(), body: body, params: url.Values{}, header: withoutCredentials(r.Header)}
	mediaType, mediaParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var form url.Values
	switch {
	case isJSON(mediaType, body):
		form, wr.body, _ = stripJSON(body)
	case mediaType == "application/x-www-form-urlencoded" || mediaType == "":
		form, wr.body = stripForm(body)
	case mediaType == "multipart/form-data":
		form, wr.body, _ = stripMultipart(body, mediaParams["boundary"])
	}
	wr.key = firstOf(form, keyParams)
	if k := firstOf(wr.query, keyParams); k != "" {
		wr.key = k
	}
	if wr.key == "" {
		wr.key = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	for _, k := range keyParams {
		form.Del(k)
		wr.query.Del(k)
	}
	copyValues(wr.params, form)
	copyValues(wr.params, wr.query) // the query wins over the body
	return wr
}

// withoutCredentials is h without its credentialHeaders: h itself when it
// has none, as nearly every webhook's has not, and a copy otherwise.
func withoutCredentials(h http.Header) http.Header {
	has := func(name string) bool { _, ok := h[name]; return ok }
	if !slices.ContainsFunc(credentialHeaders, has) {
		return h
	}
	h = h.Clone()
	for _, name := range credentialHeaders {
		h.Del(name)
	}
	return h
}

// isJSON tells a JSON body as the plugins do: it is an object, or its
// Content-Type says JSON. A form never starts with "{".
func isJSON(mediaType string, body []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) ||
		mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// param returns a parameter from the query or body, first name that is set.
func (wr *webhookRequest) param(names ...string) string { return firstOf(wr.params, names) }

func firstOf(v url.Values, names []string) string {
	for _, n := range names {
		if s := v.Get(n); s != "" {
			return s
		}
	}
	return ""
}

func copyValues(dst, src url.Values) {
	for k, vs := range src {
		dst[k] = vs
	}
}

// keyMatches compares keys in constant time; hashing first makes the time
// independent of the length, too.
func keyMatches(got, want string) bool {
	if want == "" {
		return false
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
