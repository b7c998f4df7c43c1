package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"strings"

	"github.com/crmhub/crmhub/plugins/drip/api"
	"github.com/crmhub/crmhub/sdk"
)

// payload is either shape of Drip's webhooks.
type payload struct {
	Event string `json:"event"`
	Data  *struct {
		AccountID  json.RawMessage `json:"account_id"`
		Subscriber *api.Subscriber `json:"subscriber"`
		Properties struct {
			Tag string `json:"tag"`
		} `json:"properties"`
	} `json:"data"`
	// Subscriber is the automation HTTP Post's subscriber.
	Subscriber *api.Subscriber `json:"subscriber"`
}

// Decode reads one Drip webhook into the item it is about. account, when
// set, is the configured account id: a global webhook from another
// account is ignored, with a reason.
//
// The item never carries the subscriber (Item.Contact): the hub fetches it
// from Drip's API, even for update_tags. Drip signs nothing, so anyone
// with the URL could post a tag list that grants access, and it delivers
// late (retries for up to 3 days), so the payload's tags may be stale. A
// tag event's tag is noted for the operator.
func Decode(hook sdk.RawWebhook, account string) ([]sdk.Item, error) {
	p, err := read(hook)
	if err != nil {
		return nil, err
	}
	fromURL := urlAction(hook.Query)
	sub, action, reason := p.Subscriber, sdk.ActionDefault, ""
	if p.Event != "" || p.Data != nil {
		if p.Data != nil {
			sub = p.Data.Subscriber
		}
		action, reason = actionFor(p.Event, fromURL)
		if from := accountOf(p); account != "" && from != "" && from != account && action != sdk.ActionIgnore {
			action, reason = sdk.ActionIgnore, fmt.Sprintf("the webhook comes from Drip account %s, not the configured %s", clip(from), account)
		}
	}

	var id, email string
	if sub != nil {
		id, email = strings.TrimSpace(sub.ID), address(sub.Email)
		if id != "" && !api.IsSubscriberID(id) {
			return nil, sdk.Invalid("Drip webhook: the subscriber's id is not a Drip id: want letters and digits (%d characters received)", len(id))
		}
	}
	if action == sdk.ActionIgnore {
		return []sdk.Item{{ContactID: id, Email: email, Action: action, Reason: reason}}, nil
	}
	if id == "" && email == "" {
		return nil, sdk.Invalid("Drip webhook%s names no subscriber: want data.subscriber.id (global webhook) or subscriber.id (automation HTTP Post)", eventNote(p.Event))
	}
	item := sdk.Item{ContactID: id, Email: email, Action: action}
	if p.Event != "" {
		item.Notes = []string{"Drip event " + p.Event}
	}
	if p.Data != nil && p.Data.Properties.Tag != "" {
		item.Notes = append(item.Notes, fmt.Sprintf("the webhook names the tag %q; the hub reads the subscriber's tags from Drip", clip(p.Data.Properties.Tag)))
	}
	return []sdk.Item{item}, nil
}

// read parses the JSON body.
func read(hook sdk.RawWebhook) (payload, error) {
	body := bytes.TrimSpace(hook.Body)
	if len(body) == 0 {
		return payload{}, sdk.Invalid("Drip webhook has an empty body: want Drip's JSON")
	}
	if ct := hook.ContentType; ct != "" {
		if mediaType, _, err := mime.ParseMediaType(ct); err == nil && mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") && mediaType != "text/plain" {
			return payload{}, sdk.Invalid("Drip webhook has content type %s: choose JSON in the HTTP Post action", mediaType)
		}
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return payload{}, sdk.Invalid("Drip webhook is not the JSON expected: %v", err)
	}
	return p, nil
}

// accountOf is the global webhook's account id, a string or a number.
func accountOf(p payload) string {
	if p.Data == nil || len(p.Data.AccountID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(p.Data.AccountID, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(p.Data.AccountID))
}

// urlAction is the action the hook's URL names (action, or WP Fusion's
// wpf_action).
func urlAction(query map[string][]string) sdk.Action {
	for _, key := range []string{"action", "wpf_action"} {
		if v := query[key]; len(v) > 0 && v[0] != "" {
			return sdk.Action(v[0])
		}
	}
	return sdk.ActionDefault
}

func address(value string) string {
	a, err := mail.ParseAddress(strings.TrimSpace(value))
	if err != nil {
		return ""
	}
	return a.Address
}

func eventNote(event string) string {
	if event == "" {
		return ""
	}
	return fmt.Sprintf(" (event %q)", clip(event))
}

func clip(s string) string {
	if len(s) > 60 {
		s = strings.ToValidUTF8(s[:60], "") + "…"
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
