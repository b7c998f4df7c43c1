package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// contactTypeID is HubSpot's object type id of contacts, as object.*
// events name it.
const contactTypeID = "0-1"

// event is one Webhooks-API event. Ids are json.Number: HubSpot's ids are
// 64-bit and must not pass through float64.
type event struct {
	EventID          json.Number   `json:"eventId"`
	SubscriptionType string        `json:"subscriptionType"`
	ObjectID         json.Number   `json:"objectId"`
	ObjectTypeID     string        `json:"objectTypeId"`
	PrimaryObjectID  json.Number   `json:"primaryObjectId"`
	MergedObjectIDs  []json.Number `json:"mergedObjectIds"`
	PropertyName     string        `json:"propertyName"`
}

// Decode reads a stored HubSpot request: a Webhooks-API event array or one
// workflow contact. It never calls HubSpot and does not judge freshness
// (the door did), so a replay days later decodes the same.
func Decode(hook sdk.RawWebhook) ([]sdk.Item, error) {
	body := bytes.TrimSpace(hook.Body)
	switch {
	case len(body) == 0:
		return nil, sdk.Invalid("empty request: HubSpot sends a JSON array of events or a workflow's contact")
	case body[0] == '[':
		return decodeEvents(body)
	case body[0] == '{':
		return decodeWorkflow(body)
	}
	return nil, sdk.Invalid("the body is not JSON: HubSpot sends a JSON array of events or a workflow's contact")
}

// contactItem gathers the events of one contact in a batch.
type contactItem struct {
	id      string
	deleted string // the deletion event's type, while the contact's last word is a deletion
	private bool   // a privacy deletion: the contact is gone for good
	notes   []string
}

func decodeEvents(body []byte) ([]sdk.Item, error) {
	var events []event
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&events); err != nil {
		return nil, sdk.Invalid("the event array is not valid JSON of HubSpot events: %v", err)
	}
	if len(events) == 0 {
		return nil, sdk.Invalid("an empty event array: no contact to sync")
	}
	var order []*contactItem
	byID := map[string]*contactItem{}
	var others []string
	for i, ev := range events {
		name := describe(i, ev)
		if !isContactEvent(ev) {
			others = append(others, name)
			continue
		}
		id, note, ok := contactOf(ev)
		if !ok {
			return nil, sdk.Invalid("%s has no usable contact id (objectId %q)", name, ev.ObjectID)
		}
		c := byID[id]
		if c == nil {
			c = &contactItem{id: id}
			byID[id] = c
			order = append(order, c)
		}
		c.notes = append(c.notes, name+note)
		switch kind(ev) {
		case "deletion":
			c.deleted = kind(ev)
		case "privacyDeletion":
			c.deleted, c.private = kind(ev), true
		default:
			c.deleted = ""
		}
	}

	items := make([]sdk.Item, 0, len(order)+1)
	for _, c := range order {
		item := sdk.Item{ContactID: c.id, Notes: c.notes}
		switch {
		case c.private:
			item.Action, item.Reason = sdk.ActionIgnore, "the contact was deleted for privacy (GDPR) in HubSpot"
		case c.deleted != "":
			item.Action, item.Reason = sdk.ActionIgnore, "the contact was deleted in HubSpot"
		}
		items = append(items, item)
	}
	if len(others) > 0 {
		items = append(items, sdk.Item{Action: sdk.ActionIgnore,
			Reason: fmt.Sprintf("%d event(s) about other objects than contacts", len(others)), Notes: others})
	}
	return items, nil
}

// isContactEvent tells contact events (contact.*, or object.* of type 0-1)
// from those of companies, deals and other objects.
func isContactEvent(ev event) bool {
	prefix, _, _ := strings.Cut(ev.SubscriptionType, ".")
	switch prefix {
	case "contact":
		return true
	case "object":
		return ev.ObjectTypeID == contactTypeID
	}
	return false
}

// kind is the event's kind without its object: "deletion", "merge", ….
func kind(ev event) string {
	_, k, _ := strings.Cut(ev.SubscriptionType, ".")
	return k
}

// contactOf is the contact an event is about, and a note for a merge:
// the merge's surviving contact is its primaryObjectId.
func contactOf(ev event) (id, note string, ok bool) {
	if kind(ev) == "merge" && validID(ev.PrimaryObjectID) {
		merged := make([]string, 0, len(ev.MergedObjectIDs))
		for _, m := range ev.MergedObjectIDs {
			merged = append(merged, m.String())
		}
		return ev.PrimaryObjectID.String(), fmt.Sprintf(" (merged %s into %s)", strings.Join(merged, ", "), ev.PrimaryObjectID), true
	}
	return ev.ObjectID.String(), "", validID(ev.ObjectID)
}

// validID holds for a positive whole number, of any length.
func validID(n json.Number) bool {
	s := n.String()
	return s != "" && s != "0" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func describe(i int, ev event) string {
	id := ev.EventID.String()
	if id == "" {
		id = fmt.Sprintf("#%d", i+1)
	}
	s := "event " + id + " " + cmpOr(ev.SubscriptionType, "(no subscriptionType)")
	if ev.PropertyName != "" {
		s += " " + ev.PropertyName
	}
	return s
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// workflow is a workflow webhook's contact: the legacy v1 contact shape
// (vid, canonical-vid, properties.x.value, identity-profiles).
type workflow struct {
	VID          json.Number `json:"vid"`
	CanonicalVID json.Number `json:"canonical-vid"`
	Properties   map[string]struct {
		Value string `json:"value"`
	} `json:"properties"`
	IdentityProfiles []struct {
		Identities []struct {
			Type      string `json:"type"`
			Value     string `json:"value"`
			IsPrimary bool   `json:"is-primary"`
		} `json:"identities"`
	} `json:"identity-profiles"`
}

// isWorkflow says whether body is one workflow-shaped contact.
func isWorkflow(body []byte) bool {
	w, err := readWorkflow(body)
	return err == nil && (validID(w.CanonicalVID) || validID(w.VID))
}

func readWorkflow(body []byte) (workflow, error) {
	var w workflow
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(&w)
	return w, err
}

func decodeWorkflow(body []byte) ([]sdk.Item, error) {
	w, err := readWorkflow(body)
	if err != nil {
		return nil, sdk.Invalid("the body is not a HubSpot workflow contact: %v", err)
	}
	id := w.CanonicalVID
	if !validID(id) {
		id = w.VID
	}
	if !validID(id) {
		return nil, sdk.Invalid("the JSON object has no contact id: a workflow webhook carries vid or canonical-vid")
	}
	return []sdk.Item{{ContactID: id.String(), Email: workflowEmail(w), Notes: []string{"workflow webhook"}}}, nil
}

// workflowEmail is properties.email.value, else the primary EMAIL identity,
// else any EMAIL identity.
func workflowEmail(w workflow) string {
	if e := strings.TrimSpace(w.Properties["email"].Value); e != "" {
		return e
	}
	first := ""
	for _, p := range w.IdentityProfiles {
		for _, id := range p.Identities {
			if id.Type != "EMAIL" || id.Value == "" {
				continue
			}
			if id.IsPrimary {
				return id.Value
			}
			first = cmpOr(first, id.Value)
		}
	}
	return first
}
