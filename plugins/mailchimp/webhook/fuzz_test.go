package webhook_test

import (
	"testing"

	"github.com/crmhub/crmhub/plugins/mailchimp/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// FuzzDecode checks that any body decodes to items that name a member (or
// are ignored with a reason) or to an Invalid error, and never panics.
func FuzzDecode(f *testing.F) {
	for _, sample := range []string{subscribe, unsubscribe, profile, upemail, cleaned, campaign} {
		f.Add("application/x-www-form-urlencoded", "add", []byte(post(sample, "add").Body))
	}
	f.Add("", "update", []byte("type=%zz"))
	f.Add("application/json", "", []byte(`{"type":"subscribe"}`))
	f.Fuzz(func(t *testing.T, contentType, action string, body []byte) {
		hook := sdk.RawWebhook{Method: "POST", ContentType: contentType, Body: body, Query: map[string][]string{"action": {action}}}
		items, err := webhook.Decoder{ListID: "a6b5da1054"}.Decode(hook)
		if err != nil {
			if !sdk.IsInvalid(err) {
				t.Fatalf("error of kind %s: %v", sdk.KindOf(err), err)
			}
			return
		}
		for _, it := range items {
			switch {
			case it.Action == sdk.ActionIgnore && it.Reason == "":
				t.Fatalf("ignored without a reason: %+v", it)
			case it.Action != sdk.ActionIgnore && (len(it.ContactID) != 32 || it.Email == ""):
				t.Fatalf("item names no member: %+v", it)
			}
		}
	})
}
