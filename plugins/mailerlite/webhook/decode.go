package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/crmhub/crmhub/plugins/mailerlite/api"
	"github.com/crmhub/crmhub/sdk"
)

// event is one webhook event in any of MailerLite's shapes.
type event struct {
	Event string `json:"event"` // flat shape
	Type  string `json:"type"`  // group shape, classic shape
	ID    api.ID `json:"id"`
	Email string `json:"email"`
	// Subscriber and Group are the group shape's.
	Subscriber *subscriber `json:"subscriber"`
	Group      *struct {
		ID   api.ID `json:"id"`
		Name string `json:"name"`
	} `json:"group"`
	// Data is the classic shape's.
	Data *struct {
		Subscriber *subscriber `json:"subscriber"`
	} `json:"data"`
}

type subscriber struct {
	ID    api.ID `json:"id"`
	Email string `json:"email"`
}

// rule is what an event type maps to.
type rule struct {
	action   sdk.Action
	addIfURL bool   // add when the URL's action is add, else update
	note     string // for the operator
	ignore   string // a reason: the event is ignored
}

// rules maps new (past tense) and classic (present tense) event types.
var rules = map[string]rule{
	"subscriber.created":              {addIfURL: true},
	"subscriber.create":               {addIfURL: true},
	"subscriber.updated":              {action: sdk.ActionUpdate},
	"subscriber.update":               {action: sdk.ActionUpdate},
	"subscriber.unsubscribed":         {action: sdk.ActionUpdate, note: "unsubscribed in MailerLite"},
	"subscriber.unsubscribe":          {action: sdk.ActionUpdate, note: "unsubscribed in MailerLite"},
	"subscriber.bounced":              {action: sdk.ActionUpdate, note: "bounced in MailerLite"},
	"subscriber.bounce":               {action: sdk.ActionUpdate, note: "bounced in MailerLite"},
	"subscriber.spam_reported":        {action: sdk.ActionUpdate, note: "marked MailerLite's mail as spam"},
	"subscriber.complaint":            {action: sdk.ActionUpdate, note: "marked MailerLite's mail as spam"},
	"subscriber.added_to_group":       {action: sdk.ActionUpdateTags, note: "added to group"},
	"subscriber.add_to_group":         {action: sdk.ActionUpdateTags, note: "added to group"},
	"subscriber.removed_from_group":   {action: sdk.ActionUpdateTags, note: "removed from group"},
	"subscriber.remove_from_group":    {action: sdk.ActionUpdateTags, note: "removed from group"},
	"subscriber.automation_triggered": {action: sdk.ActionDefault, note: "an automation started"},
	"subscriber.automation_completed": {action: sdk.ActionDefault, note: "an automation completed"},
	"subscriber.automation_complete":  {action: sdk.ActionDefault, note: "an automation completed"},
	"subscriber.deleted":              {ignore: "the subscriber was deleted in MailerLite"},
}

// Decode returns one item per event a webhook carries (a batch carries
// several; an empty batch none):
//
//	subscriber.created                 add when the URL's action is add, else update
//	subscriber.updated                 update
//	subscriber.unsubscribed, bounced,
//	  spam_reported                    update: the status changed, the hub refreshes it
//	subscriber.added_to_group,
//	  removed_from_group               update_tags (groups are the tags)
//	subscriber.automation_*            the URL's action
//	subscriber.deleted, campaign.*     ignored with a reason
//
// and the same for classic MailerLite's names (subscriber.create, …),
// whose items name the subscriber by e-mail address only: classic ids are
// not the new API's. Anything that is not JSON, or a lone event without a
// type or a subscriber, is Invalid; such an event in a batch becomes an
// ignored item with the reason, the batch's other events are kept. Reasons
// never quote values.
func Decode(hook sdk.RawWebhook) ([]sdk.Item, error) {
	body := bytes.TrimSpace(hook.Body)
	if len(body) == 0 {
		return nil, sdk.Invalid("MailerLite webhook has an empty body: want a JSON event")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, sdk.Invalid("MailerLite webhook is not a JSON object: %v", syntaxOnly(err))
	}
	raws := []json.RawMessage{body}
	if batch, ok := top["events"]; ok {
		if err := json.Unmarshal(batch, &raws); err != nil {
			return nil, sdk.Invalid("MailerLite webhook's events is not a list of events")
		}
	}
	addAllowed := urlAction(hook.Query) == string(sdk.ActionAdd)
	items := make([]sdk.Item, 0, len(raws))
	for i, raw := range raws {
		item, err := decodeEvent(raw, addAllowed)
		switch {
		case err != nil && top["events"] == nil:
			return nil, sdk.Invalid("MailerLite webhook: %w", err)
		case err != nil:
			// MailerLite took its 2xx for the whole batch: one bad event
			// must not cost the others.
			item = sdk.Ignore("", fmt.Sprintf("MailerLite webhook event %d of %d: %v", i+1, len(raws), err))
		}
		items = append(items, item)
	}
	return items, nil
}

func decodeEvent(raw json.RawMessage, addAllowed bool) (sdk.Item, error) {
	var e event
	if err := json.Unmarshal(raw, &e); err != nil {
		return sdk.Item{}, fmt.Errorf("not an event object: %v", syntaxOnly(err))
	}
	name := e.Event
	if name == "" {
		name = e.Type
	}
	if name == "" {
		return sdk.Item{}, fmt.Errorf("no event type: want %q or %q", "event", "type")
	}
	if strings.HasPrefix(name, "campaign.") {
		return sdk.Ignore("", name+": about a campaign, not a subscriber"), nil
	}
	r, known := rules[name]
	if !known {
		return sdk.Ignore("", fmt.Sprintf("MailerLite event type %q is not one this plugin reads", name)), nil
	}

	var item sdk.Item
	switch {
	case e.Subscriber != nil:
		item.ContactID, item.Email = string(e.Subscriber.ID), e.Subscriber.Email
	case e.Data != nil && e.Data.Subscriber != nil:
		// Classic ids are not the new API's: the hub finds the contact by address.
		item.Email = e.Data.Subscriber.Email
		item.Notes = append(item.Notes, fmt.Sprintf("classic MailerLite subscriber %s", e.Data.Subscriber.ID))
	default:
		item.ContactID, item.Email = string(e.ID), e.Email
	}
	if r.ignore != "" {
		item.Action, item.Reason = sdk.ActionIgnore, r.ignore
		return item, nil
	}
	if item.ContactID == "" && item.Email == "" {
		return sdk.Item{}, fmt.Errorf("%s event names no subscriber (no id, no email)", name)
	}
	if item.ContactID != "" && !digits(item.ContactID) {
		return sdk.Item{}, fmt.Errorf("%s event's subscriber id is not a MailerLite id (%d characters)", name, len(item.ContactID))
	}
	item.Action = r.action
	if r.addIfURL {
		item.Action = sdk.ActionUpdate
		if addAllowed {
			item.Action = sdk.ActionAdd
		}
	}
	if r.note != "" {
		note := r.note
		if e.Group != nil {
			note += fmt.Sprintf(" %q (%s)", e.Group.Name, e.Group.ID)
		}
		item.Notes = append(item.Notes, note)
	}
	return item, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// urlAction is the action the hub's URL names (action or wpf_action).
func urlAction(query map[string][]string) string {
	for _, name := range []string{"action", "wpf_action"} {
		if v := query[name]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}

// syntaxOnly describes a JSON error without quoting the input.
func syntaxOnly(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("a %s where %s was expected", te.Value, te.Type)
	}
	return "invalid JSON"
}
