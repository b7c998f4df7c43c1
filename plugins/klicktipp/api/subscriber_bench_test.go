package api_test

import (
	"testing"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
)

// subscriberAnswer is GET /subscriber/{id} as KlickTipp writes it for a
// contact with two tags and a first and last name.
const subscriberAnswer = `{"bounce":"Not Bounced","campaigns_finished":[],"campaigns_started":[],` +
	`"date":"01.12.2026 10:00:00","email":"kim@example.com","fieldBirthday":"","fieldCity":"",` +
	`"fieldCompanyName":"","fieldCountry":"","fieldFax":"","fieldFirstName":"Kim","fieldLastName":"Bench",` +
	`"fieldLeadValue":"","fieldMobilePhone":"","fieldPhone":"","fieldPrivatePhone":"","fieldState":"",` +
	`"fieldStreet1":"","fieldStreet2":"","fieldWebsite":"","fieldZip":"","id":"155988456","ip":"0.0.0.0",` +
	`"listid":"0","manual_tags":{"11":"1764583200","12":"1764583200"},"notification_emails_clicked":[],` +
	`"notification_emails_opened":[],"notification_emails_sent":[],"notification_emails_viewed":[],` +
	`"optin":"01.12.2026 10:00:00","optin_ip":"0.0.0.0","outbound":[],"referrer":"","sms_bounce":null,` +
	`"sms_date":"","sms_phone":null,"sms_referrer":null,"sms_status":null,"sms_unsubscription":"",` +
	`"smart_tags":[],"status":"Subscribed","tags":["11","12"],"unsubscription":"","unsubscription_ip":"0.0.0.0"}`

// BenchmarkSubscriber measures reading a contact, which the plugin does
// for every event it is asked about (the client calls UnmarshalJSON
// itself, not through encoding/json):
// go test -run '^$' -bench Subscriber ./plugins/klicktipp/api
func BenchmarkSubscriber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s api.Subscriber
		if err := s.UnmarshalJSON([]byte(subscriberAnswer)); err != nil {
			b.Fatal(err)
		}
	}
}
