package webhook

import (
	"slices"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// contactEvents maps the event types that change a contact's data to
// actions. subscribe becomes add only when the URL's action is add (the
// operator opted in to creating users); see actionFor.
var contactEvents = map[string]sdk.Action{
	"subscribe":           sdk.ActionAdd,
	"update":              sdk.ActionUpdate,
	"unsubscribe":         sdk.ActionUpdate,
	"contact_tag_added":   sdk.ActionUpdateTags,
	"contact_tag_removed": sdk.ActionUpdateTags,
}

// campaignEvents are about an e-mail sent to a contact, not its data.
var campaignEvents = []string{"sent", "open", "click", "forward", "share", "bounce", "reply", "subscriber_note"}

// ignoredPrefixes are event families about things other than contacts.
var ignoredPrefixes = map[string]string{
	"deal_":    "a deal",
	"sms_":     "an SMS",
	"account_": "an account (company)",
	"list_":    "a list",
}

// actionFor maps an event type to an action, with a reason when ignored.
// No type (an automation's webhook step) keeps the URL's action.
func actionFor(event string, fromURL sdk.Action) (sdk.Action, string) {
	event = strings.ToLower(event)
	if event == "" {
		return sdk.ActionDefault, ""
	}
	if action, ok := contactEvents[event]; ok {
		if action == sdk.ActionAdd && fromURL != sdk.ActionAdd {
			return sdk.ActionUpdate, ""
		}
		return action, ""
	}
	if slices.Contains(campaignEvents, event) {
		return sdk.ActionIgnore, "ActiveCampaign event " + event + " is about a campaign e-mail, not a change to the contact"
	}
	for prefix, what := range ignoredPrefixes {
		if strings.HasPrefix(event, prefix) {
			return sdk.ActionIgnore, "ActiveCampaign event " + clip(event) + " is about " + what + ", not a contact"
		}
	}
	return sdk.ActionIgnore, "ActiveCampaign event " + clip(event) + " is not one crmhub acts on"
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
