package webhook_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/crmhub/crmhub/plugins/drip/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// marker is a value every fuzzed webhook may carry; no error may quote it.
const marker = "Mq7ValueNeverQuoted"

// FuzzDecode checks that any request decodes to well-formed items or to an
// Invalid error that quotes no value, and never panics.
func FuzzDecode(f *testing.F) {
	f.Add("application/json", "action=add", []byte(global("subscriber.created", `{}`)))
	f.Add("application/json", "action=update_tags", []byte(`{"subscriber":`+subscriber+`}`))
	f.Add("", "", []byte(`{"event":"subscriber.applied_tag","data":{"account_id":1,"subscriber":{"id":"`+marker+`","tags":null}}}`))
	f.Add("application/x-www-form-urlencoded", "", []byte("subscriber%5Bid%5D=1"))
	f.Add("application/json", "", []byte(`{"subscriber":{"id":"`+marker+`/x"}}`))

	f.Fuzz(func(t *testing.T, contentType, rawQuery string, body []byte) {
		q, _ := url.ParseQuery(rawQuery)
		items, err := webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: contentType, Query: q, Body: body}, "9999999")
		if err != nil {
			if !sdk.IsInvalid(err) {
				t.Fatalf("error of kind %s: %v", sdk.KindOf(err), err)
			}
			if strings.Contains(err.Error(), marker) {
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
			if it.Contact != nil && it.Contact.ID != it.ContactID {
				t.Fatalf("carried contact %q for item %q", it.Contact.ID, it.ContactID)
			}
		}
	})
}
