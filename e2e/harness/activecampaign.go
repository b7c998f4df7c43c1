package harness

import (
	"github.com/crmhub/crmhub/plugins/activecampaign/fakeactivecampaign"
)

// ActiveCampaignToken is the API token every fake ActiveCampaign account
// takes.
const ActiveCampaignToken = "ac-token-e2e"

// ActiveCampaign is a fake ActiveCampaign account for hubs to talk to.
// Seed it, change contacts and build the forms ActiveCampaign posts
// (Webhook) through the embedded fake.
type ActiveCampaign struct {
	*fakeactivecampaign.Server
}

// StartActiveCampaign starts a fake ActiveCampaign account on loopback.
// Close it when done.
func StartActiveCampaign() *ActiveCampaign {
	return &ActiveCampaign{Server: fakeactivecampaign.New(ActiveCampaignToken)}
}

// CRM is the activecampaign section of a hub's config: plugin is the
// binary (BuildPlugin("activecampaign")), fields maps hub fields to
// ActiveCampaign's (firstName, lastName, phone, a custom field's id).
func (a *ActiveCampaign) CRM(plugin string, fields map[string]string) CRM {
	return CRM{Plugin: plugin, Fields: fields,
		Settings: map[string]string{"base_url": a.URL, "api_token": ActiveCampaignToken}}
}
