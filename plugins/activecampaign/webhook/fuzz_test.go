package webhook_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/crmhub/crmhub/plugins/activecampaign/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// marker is a value every fuzzed webhook carries; no error may quote it.
const marker = "Mq7ValueNeverQuoted"

// FuzzDecode checks that any request decodes to well-formed items or to an
// Invalid error that quotes no value, and never panics.
func FuzzDecode(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "action=add", []byte(updateBody))
	f.Add("", "", []byte("type=subscribe&contact%5Bid%5D=12&contact%5Bemail%5D=a%40b.example"))
	f.Add("application/json", "", []byte(`{"contact":{"id":"1"}}`))
	f.Add("", "wpf_action=update_tags", []byte("type=deal_add&deal%5Bid%5D=1"))
	f.Add("text/plain", "", []byte("contact%5Bid%5D=%zz"))

	f.Fuzz(func(t *testing.T, contentType, rawQuery string, body []byte) {
		q, _ := url.ParseQuery(rawQuery)
		// Keys are listed on purpose; only the marker as a value must not show.
		inKeys := strings.Contains(string(body), marker)
		body = append(body, []byte("&note="+marker)...)
		items, err := webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: contentType, Query: q, Body: body})
		if err != nil {
			if !sdk.IsInvalid(err) {
				t.Fatalf("error of kind %s: %v", sdk.KindOf(err), err)
			}
			if !inKeys && strings.Contains(err.Error(), marker) {
				t.Fatalf("error quotes a value: %v", err)
			}
			return
		}
		for _, it := range items {
			if it.Action != sdk.ActionIgnore && it.ContactID == "" && it.Email == "" {
				t.Fatalf("item names no contact: %+v", it)
			}
			if it.Action == sdk.ActionIgnore && it.Reason == "" {
				t.Fatalf("ignored item without a reason: %+v", it)
			}
		}
	})
}
