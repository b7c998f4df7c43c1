package server

import (
	"strconv"

	"github.com/crmhub/crmhub/core/store"
)

// EventOutcome is an event as a webhook caller with ?wait= sees it, and the
// core of every event the admin API shows (docs/http.md, "The outcome
// JSON"). Ids are strings: opaque to clients.
type EventOutcome struct {
	ID            string `json:"id"`
	CRM           string `json:"crm"`
	Action        string `json:"action"`
	ContactID     string `json:"contact_id"`
	Status        string `json:"status"`
	Outcome       string `json:"outcome"`
	UserID        string `json:"user_id"`
	Message       string `json:"message"`
	CoalescedInto string `json:"coalesced_into,omitempty"`
	// RequestID names the request an item row (item 2 on) belongs to.
	RequestID string `json:"request_id,omitempty"`
	// Items lists a request's items (the request's own row first) when it
	// has several; Status is then theirs together.
	Items []EventOutcome `json:"items,omitempty"`
}

// NewEventOutcome shows an event's outcome; a request read with several
// items (ev.Items) shows them, its first item's outcome, and their status
// together as its own: not final while any item is not, then dead if any
// is, else failed if any is, else done.
func NewEventOutcome(ev *store.Event) EventOutcome {
	o := EventOutcome{
		ID: formatID(ev.ID), CRM: ev.CRM, Action: ev.Action, ContactID: ev.ContactID,
		Status: ev.Status, Outcome: ev.Outcome, Message: ev.Message,
	}
	if ev.UserID != nil {
		o.UserID = formatID(*ev.UserID)
	}
	if ev.CoalescedInto != nil {
		o.CoalescedInto = formatID(*ev.CoalescedInto)
	}
	if ev.RequestID != nil {
		o.RequestID = formatID(*ev.RequestID)
	}
	if len(ev.Items) > 0 {
		// The request as a whole was not merged into anything even when
		// its first item was: its top level is its first item's outcome as
		// shown in items, and its items' status together.
		first := ev.Items[0]
		o.Status, o.Outcome, o.Message, o.UserID, o.CoalescedInto = store.RequestStatus(ev.Items), first.Outcome, first.Message, "", ""
		if first.UserID != nil {
			o.UserID = formatID(*first.UserID)
		}
		o.Items = make([]EventOutcome, len(ev.Items))
		for i, it := range ev.Items {
			one := *it
			one.Items = nil // the request's own row is its first item
			o.Items[i] = NewEventOutcome(&one)
		}
	}
	return o
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
