package outbound_test

import (
	"testing"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/plugins/salesforce/outbound"
	"github.com/crmhub/crmhub/sdk"
)

// FuzzDecode feeds the door and the decoder any body: neither may panic, a
// body the decoder cannot read is Invalid, and a body the door accepts
// decodes to at least one item.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(salesforceExample))
	f.Add(fakesalesforce.OutboundMessage(org18, actionID, contact(1), contact(2), contact(1)))
	f.Add([]byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		verdict := outbound.Check(org18, body)
		items, err := outbound.Decode(sdk.RawWebhook{Method: "POST", Body: body})
		if err != nil && !sdk.IsInvalid(err) {
			t.Fatalf("decode failed with a %s error: %v", sdk.KindOf(err), err)
		}
		if verdict.Decision == sdk.DecisionAccept && (err != nil || len(items) == 0) {
			t.Fatalf("the door accepted a body that decodes to %v, %v", items, err)
		}
		for _, item := range items {
			if item.ContactID == "" && item.Email == "" && item.Action != sdk.ActionIgnore {
				t.Fatalf("an item names no contact: %+v", item)
			}
		}
	})
}
