package harness

import (
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
)

// The API key and audience of every fake Mailchimp account.
const (
	MailchimpAPIKey = "0123456789abcdef0123456789abcdef-us6"
	MailchimpListID = "a6b5da1054"
)

// Mailchimp is a fake Mailchimp audience for hubs to talk to. Seed it and
// read members through the embedded fake; Webhook and UpEmail build the
// forms Mailchimp posts.
type Mailchimp struct {
	*fakemailchimp.Server
}

// StartMailchimp starts a fake Mailchimp account with the audience
// MailchimpListID on loopback. Close it when done.
func StartMailchimp() *Mailchimp {
	return &Mailchimp{Server: fakemailchimp.New(MailchimpAPIKey, MailchimpListID)}
}

// CRM is the mailchimp section of a hub's config: plugin is the binary
// (BuildPlugin("mailchimp")), fields maps hub fields to merge field tags.
func (m *Mailchimp) CRM(plugin string, fields map[string]string) CRM {
	return CRM{Plugin: plugin, Fields: fields,
		Settings: map[string]string{"api_key": MailchimpAPIKey, "list_id": MailchimpListID, "base_url": m.URL}}
}

// Webhook is the form Mailchimp posts for an event of type kind
// (subscribe, profile, unsubscribe, cleaned, campaign) about the member
// with this subscriber hash, in the shape of Mailchimp's documented
// samples: PHP-style keys, the member named by data[email] and its euid.
func (m *Mailchimp) Webhook(kind, hash string) []byte {
	member, ok := m.Member(hash)
	if !ok {
		panic(fmt.Sprintf("harness: the fake Mailchimp has no member %s", hash))
	}
	form := url.Values{
		"type":          {kind},
		"fired_at":      {"2009-03-26 21:35:57"},
		"data[id]":      {"8a25ff1d98"},
		"data[list_id]": {MailchimpListID},
	}
	switch kind {
	case "campaign":
		form.Set("data[subject]", "Spring sale")
		form.Set("data[status]", "sent")
		form.Set("data[reason]", "")
		return []byte(form.Encode())
	case "cleaned":
		form.Set("data[campaign_id]", "4fjk2ma9xd")
		form.Set("data[reason]", "hard")
		form.Set("data[email]", member.Email)
		return []byte(form.Encode())
	case "unsubscribe":
		form.Set("data[action]", "unsub")
		form.Set("data[reason]", "manual")
		form.Set("data[campaign_id]", "cb398d21d2")
	case "subscribe":
		form.Set("data[ip_signup]", "10.20.10.30")
	}
	form.Set("data[email]", member.Email)
	form.Set("data[email_type]", "html")
	form.Set("data[ip_opt]", "10.20.10.30")
	form.Set("data[merges][EMAIL]", member.Email)
	for _, tag := range slices.Sorted(maps.Keys(member.MergeFields)) {
		form.Set("data[merges]["+tag+"]", member.MergeFields[tag])
	}
	return []byte(form.Encode())
}

// UpEmail is the form Mailchimp posts when a member's address changes:
// the new and the old address, and no data[email].
func (m *Mailchimp) UpEmail(oldEmail, newEmail string) []byte {
	return []byte(url.Values{
		"type":            {"upemail"},
		"fired_at":        {"2009-03-26 22:15:09"},
		"data[list_id]":   {MailchimpListID},
		"data[new_id]":    {"51da8c3259"},
		"data[new_email]": {newEmail},
		"data[old_email]": {oldEmail},
	}.Encode())
}
