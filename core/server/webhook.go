package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
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

// webhookRequest is a webhook's parameters, read from its query and from a
// form or top-level JSON body, with the access key taken out.
type webhookRequest struct {
	query url.Values
	body  []byte
	// params holds the body's fields (form or JSON strings) under the query's.
	params url.Values
	key    string
	header http.Header
}

// parseWebhook reads r's parameters and takes the access key out of the
// query, the body and the Authorization header.
func parseWebhook(r *http.Request, body []byte) *webhookRequest {
	wr := &webhookRequest{query: r.URL.Query(), body: body, params: url.Values{}, header: r.Header.Clone()}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(body)); err == nil {
			wr.key = firstOf(form, keyParams)
			if hasAny(form, keyParams) {
				for _, k := range keyParams {
					form.Del(k)
				}
				wr.body = []byte(form.Encode())
			}
			copyValues(wr.params, form)
		}
	case mediaType == "application/json" || (mediaType == "" && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))):
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil {
			for k, raw := range obj {
				var s string
				if json.Unmarshal(raw, &s) == nil {
					wr.params.Set(k, s)
				}
			}
			wr.key = firstOf(wr.params, keyParams)
			if _, a := obj[keyParams[0]]; a || obj[keyParams[1]] != nil {
				for _, k := range keyParams {
					delete(obj, k)
					wr.params.Del(k)
				}
				wr.body, _ = json.Marshal(obj) // re-encoding a decoded object cannot fail
			}
		}
	}
	if k := firstOf(wr.query, keyParams); k != "" {
		wr.key = k
	}
	for _, k := range keyParams {
		wr.query.Del(k)
	}
	if wr.key == "" {
		wr.key = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	wr.header.Del("Authorization")
	wr.header.Del("Cookie")
	copyValues(wr.params, wr.query) // the query wins over the body
	return wr
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

func hasAny(v url.Values, names []string) bool {
	for _, n := range names {
		if v.Has(n) {
			return true
		}
	}
	return false
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
