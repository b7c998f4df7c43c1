// Package acmetest holds the example plugin's sdktest fixtures over the
// fake Acme API, for the plugin's own suite and for sdktest's.
package acmetest

import (
	"time"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/example/acme"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

// Sent is when the fixture webhooks were signed; the hub received them 3s
// later. Both lie in the past, so a plugin that checks freshness against
// the clock instead of the receipt time fails.
var (
	Sent       = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	ReceivedAt = Sent.Add(3 * time.Second)
)

// Settings are settings the fake accepts.
func Settings(fake *acmefake.Server) map[string]string {
	return map[string]string{"base_url": fake.URL, "api_key": acmefake.APIKey, "webhook_secret": acmefake.WebhookSecret}
}

// Webhook is the stored request of an Acme webhook, received at ReceivedAt.
func Webhook(eventType string, ev acmefake.Event, secret string) sdk.RawWebhook {
	w := acmefake.NewWebhook(eventType, ev, Sent, secret)
	return sdk.RawWebhook{
		ReceivedAt:  ReceivedAt,
		Method:      "POST",
		Header:      w.Header,
		ContentType: "application/json",
		Body:        w.Body,
	}
}

// Kit is the conformance kit of the Acme plugin over fake.
func Kit(fake *acmefake.Server) sdktest.Kit {
	anna, ben := acmefake.Anna, acmefake.Ben
	updated := acmefake.Event{ID: "evt_1", AccountID: acmefake.AccountID, Contacts: []acmefake.Contact{anna}}
	tagged := acmefake.Event{ID: "evt_2", AccountID: acmefake.AccountID, Contacts: []acmefake.Contact{anna, ben}}
	bad := Settings(fake)
	bad["api_key"] = "sk_live_not_an_acme_key"
	refused := Settings(fake)
	refused["api_key"] = "acme_live_revoked00"
	return sdktest.Kit{
		New: func() sdk.CRM { return acme.New() },
		Fixtures: sdktest.Fixtures{
			Settings:        Settings(fake),
			BadSettings:     bad,
			RefusedSettings: refused,
			KnownContact: sdk.Contact{ID: anna.ID, Email: anna.Email,
				Tags: []sdk.Tag{{ID: "t_1", Name: "Customer"}}, Fields: map[string]string{"first_name": "Anna"}},
			UnknownContactID: "c_404",
			ValidWebhook:     Webhook("contact.updated", updated, acmefake.WebhookSecret),
			WantItems: []sdk.Item{{ContactID: anna.ID, Email: anna.Email, Action: sdk.ActionUpdate,
				Contact: &sdk.Contact{ID: anna.ID, Email: anna.Email}, Notes: []string{"Acme event evt_1 (contact.updated)"}}},
			InvalidWebhook: Webhook("contact.updated", acmefake.Event{ID: "evt_3", AccountID: acmefake.AccountID}, acmefake.WebhookSecret),
			ForgedWebhook:  Webhook("contact.updated", updated, "whsec_guessed"),
			MultiWebhook:   Webhook("contact.tagged", tagged, acmefake.WebhookSecret),
			WantMultiItems: []sdk.Item{
				{ContactID: anna.ID, Email: anna.Email, Action: sdk.ActionUpdateTags},
				{ContactID: ben.ID, Email: ben.Email, Action: sdk.ActionUpdateTags},
			},
			CRMRequests: fake.Requests,
			UpdateField: "city",
			Stall:       fake.Stall,
		},
	}
}
