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
}

// NewEventOutcome shows an event's outcome.
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
	return o
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
