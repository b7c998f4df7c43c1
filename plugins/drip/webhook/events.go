package webhook

import (
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// subscriberEvents maps the events that change what crmhub keeps of a
// subscriber to actions. subscriber.created becomes add only when the
// URL's action is add (the operator opted in to creating users).
var subscriberEvents = map[string]sdk.Action{
	"subscriber.created":               sdk.ActionAdd,
	"subscriber.applied_tag":           sdk.ActionUpdateTags,
	"subscriber.removed_tag":           sdk.ActionUpdateTags,
	"subscriber.updated_custom_field":  sdk.ActionUpdate,
	"subscriber.updated_email_address": sdk.ActionUpdate,
}

// actionFor maps a global webhook's event to an action, with a reason
// when ignored.
func actionFor(event string, fromURL sdk.Action) (sdk.Action, string) {
	if action, ok := subscriberEvents[event]; ok {
		if action == sdk.ActionAdd && fromURL != sdk.ActionAdd {
			return sdk.ActionUpdate, ""
		}
		return action, ""
	}
	switch {
	case event == "":
		return sdk.ActionIgnore, "Drip webhook without an event"
	case event == "subscriber.deleted":
		return sdk.ActionIgnore, "Drip event subscriber.deleted: crmhub does not delete users"
	case strings.HasPrefix(event, "subscriber."):
		return sdk.ActionIgnore, "Drip event " + clip(event) + " changes neither the subscriber's fields nor its tags"
	}
	return sdk.ActionIgnore, "Drip event " + clip(event) + " is not about a subscriber"
}
