package harness

import (
	"net/url"

	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// The API user every fake KlickTipp knows; a hub's config logs in as it.
const (
	KlickTippUser     = "crmhub-api"
	KlickTippPassword = "api-password"
)

// KlickTipp is a fake KlickTipp API with one API user, for hubs to talk to.
// Seed and change contacts, inject faults and read the calls through the
// embedded fake.
type KlickTipp struct {
	*fakeklicktipp.Server
}

// StartKlickTipp starts a fake KlickTipp API on loopback with the API user
// KlickTippUser. Close it when done.
func StartKlickTipp() *KlickTipp {
	fake := fakeklicktipp.New()
	fake.AddUser(KlickTippUser, KlickTippPassword)
	return &KlickTipp{Server: fake}
}

// Settings are the plugin settings that reach this fake as its API user.
func (k *KlickTipp) Settings() map[string]string {
	return map[string]string{"base_url": k.URL, "username": KlickTippUser, "password": KlickTippPassword}
}

// Outbound is the form body of a KlickTipp outbound for a contact: its
// Subscriber ID and e-mail address, which KlickTipp always sends.
func Outbound(subscriberID, email string) url.Values {
	return url.Values{"SubscriberID": {subscriberID}, "email": {email}}
}

// SaveAndTestID is the Subscriber ID KlickTipp's "Save and Test" button
// sends: no real contact has it.
const SaveAndTestID = "12345"
