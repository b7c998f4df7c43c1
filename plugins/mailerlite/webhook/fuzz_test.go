package webhook_test

import (
	"testing"

	"github.com/crmhub/crmhub/plugins/mailerlite/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// FuzzDecode checks that any body decodes to items that name a subscriber
// (or are ignored with a reason) or to an Invalid error, and never panics.
func FuzzDecode(f *testing.F) {
	f.Add("add", []byte(flat("subscriber.created")))
	f.Add("update", []byte(grouped("subscriber.added_to_group")))
	f.Add("update", []byte(classic))
	f.Add("update", []byte(`{"events":[`+flat("subscriber.deleted")+`]}`))
	f.Add("update", []byte(`{"id":1e400,"event":"subscriber.updated"}`))
	f.Fuzz(func(t *testing.T, action string, body []byte) {
		hook := sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: body, Query: map[string][]string{"action": {action}}}
		items, err := webhook.Decode(hook)
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
			case it.Action != sdk.ActionIgnore && it.ContactID == "" && it.Email == "":
				t.Fatalf("item names no subscriber: %+v", it)
			}
		}
	})
}
