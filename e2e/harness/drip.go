package harness

import (
	"github.com/crmhub/crmhub/plugins/drip/fakedrip"
)

// The account and API token of every fake Drip account.
const (
	DripAccountID = "9999999"
	DripToken     = "drip-token-e2e"
)

// Drip is a fake Drip account for hubs to talk to. Seed it, change
// subscribers and build the bodies Drip posts (Webhook, HTTPPost) through
// the embedded fake.
type Drip struct {
	*fakedrip.Server
}

// StartDrip starts a fake Drip account DripAccountID on loopback. Close it
// when done.
func StartDrip() *Drip {
	return &Drip{Server: fakedrip.New(DripAccountID, DripToken)}
}

// CRM is the drip section of a hub's config: plugin is the binary
// (BuildPlugin("drip")), fields maps hub fields to Drip's attributes and
// custom field identifiers.
func (d *Drip) CRM(plugin string, fields map[string]string) CRM {
	return CRM{Plugin: plugin, Fields: fields,
		Settings: map[string]string{"base_url": d.URL, "account_id": DripAccountID, "api_token": DripToken}}
}
