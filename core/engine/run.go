package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// run is one event being applied: what the CRM said, what the
// configuration asks, and the activity lines so far.
type run struct {
	ev        Event
	cfg       *Config
	crm       CRMConfig
	contact   sdk.Contact
	p         profile
	passwords *passwords
	box       Sealer
	lines     []*store.Activity
	// changes is what the event changed of its user, for the user event.
	changes message.Changes
}

func newRun(ev Event, contact sdk.Contact, cfg *Config, box Sealer) *run {
	contact.Email = strings.TrimSpace(contact.Email)
	crm := cfg.CRMs[ev.CRM]
	return &run{ev: ev, cfg: cfg, crm: crm, contact: contact, box: box,
		p: readProfile(contact, crm, ev.Role), passwords: newPasswords()}
}

// apply makes the event's changes in tx (the table in docs/architecture.md,
// "What an event does"): find the user
// by link, else by e-mail (linking it), else — for add — create it; then
// replace its tags and, unless only tags were asked for, its profile.
func (r *run) apply(ctx context.Context, tx *store.Tx) (Result, error) {
	u, err := r.findUser(ctx, tx)
	if err != nil {
		return Result{}, err
	}
	created := false
	if u == nil {
		if r.ev.Action != ActionAdd {
			return r.noMatchingUser(), nil
		}
		if r.p.Email == "" {
			r.note(store.LevelWarning, "%s contact %s has no e-mail address, so no user was created.", r.ev.CRM, r.ev.ContactID)
			return r.result(InvalidPayload, 0), nil
		}
		if u, created, err = r.createUser(ctx, tx); err != nil {
			return Result{}, err
		}
	}
	if err := r.syncTags(ctx, tx, u); err != nil {
		return Result{}, err
	}
	if r.ev.Action == ActionUpdateTags {
		if err := r.publish(ctx, tx, u.ID, false); err != nil {
			return Result{}, err
		}
		return r.result(TagsUpdated, u.ID), nil
	}
	changed := false
	if !created {
		if changed, err = r.updateAccount(ctx, tx, u); err != nil {
			return Result{}, err
		}
	}
	namesChanged, err := r.syncFields(ctx, tx, u, created)
	if err != nil {
		return Result{}, err
	}
	if changed || namesChanged {
		if err := tx.UpdateUser(ctx, u); err != nil {
			return Result{}, err
		}
	}
	if err := r.publish(ctx, tx, u.ID, created); err != nil {
		return Result{}, err
	}
	if created {
		if err := r.queueDeliveries(ctx, tx, u); err != nil {
			return Result{}, err
		}
		return r.result(Created, u.ID), nil
	}
	return r.result(Updated, u.ID), nil
}

func (r *run) noMatchingUser() Result {
	who := ""
	if r.contact.Email != "" {
		who = " (" + r.contact.Email + ")"
	}
	r.note(store.LevelInfo, "No user matches %s contact %s%s, so %s changed nothing.", r.ev.CRM, r.ev.ContactID, who, r.ev.Action)
	return r.result(NoMatchingUser, 0)
}

// note adds an activity line.
func (r *run) note(level, format string, args ...any) {
	r.lines = append(r.lines, &store.Activity{CRM: r.ev.CRM, EventID: eventID(r.ev), Level: level,
		Message: fmt.Sprintf(format, args...)})
}

// result is the event's result, its message the activity lines in one.
func (r *run) result(o Outcome, userID int64) Result {
	msgs := make([]string, len(r.lines))
	for i, l := range r.lines {
		msgs[i] = l.Message
	}
	return Result{Outcome: o, UserID: userID, Message: strings.Join(msgs, " ")}
}

// activity returns the lines, each naming the user once it is known.
func (r *run) activity(userID int64) []*store.Activity {
	if userID != 0 {
		for _, l := range r.lines {
			l.UserID = &userID
		}
	}
	return r.lines
}
