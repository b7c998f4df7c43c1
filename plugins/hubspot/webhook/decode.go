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
	OccurredAt       json.Number   `json:"occurredAt"` // ms since the epoch
	// An associationChange names no objectId: its two ends, and which
	// object type each is, as "CONTACT_TO_COMPANY".
	FromObjectID       json.Number `json:"fromObjectId"`
	ToObjectID         json.Number `json:"toObjectId"`
	AssociationType    string      `json:"associationType"`
	AssociationRemoved bool        `json:"associationRemoved"`
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
	lastAt  int64  // occurredAt of the contact's last word so far
	notes   []string
}

// decodeEvents makes one item per contact of the batch. An event it cannot
// read, or that names no contact, becomes an ignored item of its own: HubSpot
// took its 2xx for the whole batch and never sends it again, so one bad
// event must not cost the others.
func decodeEvents(body []byte) ([]sdk.Item, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, sdk.Invalid("the event array is not valid JSON: %v", err)
	}
	if len(raws) == 0 {
		return nil, sdk.Invalid("an empty event array: no contact to sync")
	}
	var order []*contactItem
	byID := map[string]*contactItem{}
	var others []string
	var bad []sdk.Item
	for i, raw := range raws {
		var ev event
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&ev); err != nil {
			bad = append(bad, sdk.Item{Action: sdk.ActionIgnore,
				Reason: fmt.Sprintf("event #%d is not a readable HubSpot event: %v", i+1, err)})
			continue
		}
		name := describe(i, ev)
		if !isContactEvent(ev) {
			others = append(others, name)
			continue
		}
		id, note, problem := contactOf(ev)
		if problem != "" {
			bad = append(bad, sdk.Item{Action: sdk.ActionIgnore, Reason: name + ": " + problem, Notes: []string{name}})
			continue
		}
		c := byID[id]
		if c == nil {
			c = &contactItem{id: id}
			byID[id] = c
			order = append(order, c)
		}
		c.notes = append(c.notes, name+note)
		// The last word is the latest event: HubSpot's batches are not in
		// time order. Array order breaks ties.
		at, _ := ev.OccurredAt.Int64()
		if kind(ev) == "associationChange" || at < c.lastAt {
			continue
		}
		c.lastAt = at
		switch kind(ev) {
		case "deletion":
			c.deleted = kind(ev)
		case "privacyDeletion":
			c.deleted, c.private = kind(ev), true
		default:
			c.deleted = ""
		}
	}

	items := make([]sdk.Item, 0, len(order)+len(bad)+1)
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
	items = append(items, bad...)
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

// contactOf is the contact an event is about, and a note; problem says why
// there is none. A merge's surviving contact is its primaryObjectId; an
// associationChange's contact is the end its associationType names CONTACT.
func contactOf(ev event) (id, note, problem string) {
	switch kind(ev) {
	case "merge":
		if validID(ev.PrimaryObjectID) {
			merged := make([]string, 0, len(ev.MergedObjectIDs))
			for _, m := range ev.MergedObjectIDs {
				merged = append(merged, m.String())
			}
			return ev.PrimaryObjectID.String(), fmt.Sprintf(" (merged %s into %s)", strings.Join(merged, ", "), ev.PrimaryObjectID), ""
		}
	case "associationChange":
		return associationContact(ev)
	}
	if !validID(ev.ObjectID) {
		return "", "", fmt.Sprintf("no usable contact id (objectId %q)", ev.ObjectID)
	}
	return ev.ObjectID.String(), "", ""
}

// associationContact reads an associationChange: "CONTACT_TO_COMPANY" puts
// the contact at fromObjectId, "COMPANY_TO_CONTACT" at toObjectId.
func associationContact(ev event) (id, note, problem string) {
	from, to, ok := strings.Cut(ev.AssociationType, "_TO_")
	var end json.Number
	switch {
	case !ok:
		return "", "", fmt.Sprintf("associationType %q names no contact end", ev.AssociationType)
	case from == "CONTACT":
		end = ev.FromObjectID
	case to == "CONTACT":
		end = ev.ToObjectID
	default:
		return "", "", fmt.Sprintf("associationType %q names no contact end", ev.AssociationType)
	}
	if !validID(end) {
		return "", "", fmt.Sprintf("no usable contact id in the %s association (fromObjectId %q, toObjectId %q)",
			ev.AssociationType, ev.FromObjectID, ev.ToObjectID)
	}
	change := "added"
	if ev.AssociationRemoved {
		change = "removed"
	}
	return end.String(), fmt.Sprintf(" (%s %s: %s → %s)", ev.AssociationType, change, ev.FromObjectID, ev.ToObjectID), ""
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
