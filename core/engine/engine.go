package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// Actions a webhook may ask for.
const (
	ActionAdd        = "add"
	ActionUpdate     = "update"
	ActionUpdateTags = "update_tags"
)

// Event is one decoded webhook to apply.
type Event struct {
	ID               int64 // the inbox's event id; 0 when there is none
	CRM              string
	Action           string // add, update or update_tags
	ContactID        string
	Role             string // the webhook's role parameter, may be empty
	SendNotification bool
	// Contact, when set, is the contact as the webhook carried it: applied
	// as is, without asking the CRM (no GetContact).
	Contact *sdk.Contact
}

// Outcome says what applying an event did.
type Outcome string

// Outcomes, as the outcome JSON names them (docs/http.md, "The outcome JSON").
const (
	Created         Outcome = "created"
	Updated         Outcome = "updated"
	TagsUpdated     Outcome = "tags_updated"
	NoMatchingUser  Outcome = "no_matching_user"
	ContactNotFound Outcome = "contact_not_found"
	InvalidPayload  Outcome = "invalid_payload"
)

// Result is what Apply did.
type Result struct {
	Outcome Outcome
	UserID  int64  // 0 when no user was involved
	Message string // one line for people
	// Fetched is the contact Apply got from the CRM (GetContact), as the
	// CRM had it at some moment after Apply began; nil when the event
	// carried its contact, or the CRM had none. The CommitFunc sees it.
	Fetched *sdk.Contact
}

// Contacts fetches contacts from a CRM (the inbox adapts the plugin host to it).
type Contacts interface {
	// GetContact returns a contact; an sdk NotFound error when the CRM has
	// no such contact.
	GetContact(ctx context.Context, crm, id string) (sdk.Contact, error)
}

// Sealer encrypts the plaintext that queued deliveries need (a *secret.Box).
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
}

// Config is the part of the hub's configuration the engine follows.
type Config struct {
	// DefaultRole is a new user's role when the webhook names none it may
	// assign.
	DefaultRole string
	// AllowedRoles may be assigned by a webhook; PrivilegedRoles never are,
	// and users having one are never changed in role, e-mail or password.
	AllowedRoles, PrivilegedRoles []string
	// UsernameFormat names new users: email (default), flname or fnamenum.
	UsernameFormat string
	// CRMs holds each CRM's field mapping, by CRM name.
	CRMs map[string]CRMConfig
	// Apps are the applications user events are pushed to.
	Apps []AppConfig
}

// AppConfig is an application that is pushed user events.
type AppConfig struct {
	Name string
	// Events are the event types it wants; empty means all.
	Events []string
}

// CRMConfig is one CRM's part of the configuration.
type CRMConfig struct {
	// Fields maps hub fields to CRM field ids. The hub fields username,
	// password, role and email are special: username and password are
	// used when a user is created (password also changes an existing
	// user's password), role and email as for the role parameter and the
	// contact's e-mail address, which they override. first_name and
	// last_name fill the user's columns; every other name is a profile
	// field.
	Fields map[string]string
	// ReturnPasswordField, when set, is the CRM field a generated password
	// is written to after the user is created.
	ReturnPasswordField string
}

// Username formats.
const (
	UsernameEmail    = "email"
	UsernameFLName   = "flname"
	UsernameFNameNum = "fnamenum"
)

// CommitFunc runs inside Apply's transaction, after every change of the
// event and before the commit, so a caller can record the result
// atomically with its effects (the inbox marks the event final).
type CommitFunc func(ctx context.Context, tx *store.Tx, res Result) error

// Engine applies events. It is safe for concurrent use.
type Engine struct {
	cfg      atomic.Pointer[Config]
	contacts Contacts
	st       *store.Store
	box      Sealer
	log      *slog.Logger
}

// New returns an engine. It keeps cfg: do not change it afterwards; pass a
// new one to SetConfig instead.
func New(cfg Config, contacts Contacts, st *store.Store, box Sealer, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{contacts: contacts, st: st, box: box, log: log}
	e.SetConfig(cfg)
	return e
}

// SetConfig replaces the configuration; events that have begun finish with
// the old one.
func (e *Engine) SetConfig(cfg Config) { e.cfg.Store(&cfg) }

// Apply applies one event. It fetches the contact from the CRM (unless the
// event carries it), then in one
// transaction finds, links or creates the user, replaces its tags of this
// CRM, pulls the mapped fields, writes activity lines, queues the welcome
// mail and the password write-back, and calls commit (which may be nil).
//
// A contact the CRM does not know is not an error: the result is
// ContactNotFound, with an activity line, and commit is called. Any other
// error of the CRM is returned (wrapped), nothing is written and commit is
// not called: the caller decides about retrying.
func (e *Engine) Apply(ctx context.Context, ev Event, commit CommitFunc) (Result, error) {
	if commit == nil {
		commit = func(context.Context, *store.Tx, Result) error { return nil }
	}
	if problem := ev.problem(); problem != "" {
		return e.finish(ctx, ev, Result{Outcome: InvalidPayload, Message: problem}, store.LevelWarning, commit)
	}
	contact, err := e.contact(ctx, ev)
	if sdk.IsNotFound(err) {
		return e.finish(ctx, ev, contactNotFound(ev), store.LevelNotice, commit)
	}
	if err != nil {
		return Result{}, fmt.Errorf("engine: get %s contact %s: %w", ev.CRM, ev.ContactID, err)
	}

	var fetched *sdk.Contact
	if ev.Contact == nil {
		fetched = &contact
	}
	r := newRun(ev, contact, e.cfg.Load(), e.box)
	if err := e.prepare(ctx, r); err != nil {
		return Result{}, fmt.Errorf("engine: %s %s contact %s: %w", ev.Action, ev.CRM, ev.ContactID, err)
	}
	var res Result
	err = e.st.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
		r.lines, r.changes = nil, message.Changes{}
		var err error
		if res, err = r.apply(ctx, tx); err != nil {
			return err
		}
		res.Fetched = fetched
		if err := tx.AddActivity(ctx, r.activity(res.UserID)...); err != nil {
			return err
		}
		return commit(ctx, tx, res)
	})
	if err != nil {
		return Result{}, fmt.Errorf("engine: %s %s contact %s: %w", ev.Action, ev.CRM, ev.ContactID, err)
	}
	e.log.Debug("event applied", "event", ev.ID, "crm", ev.CRM, "contact", ev.ContactID,
		"action", ev.Action, "outcome", res.Outcome, "user", res.UserID)
	return res, nil
}

// contact is the event's contact: the one it carried, else the CRM's.
func (e *Engine) contact(ctx context.Context, ev Event) (sdk.Contact, error) {
	if ev.Contact != nil {
		c := *ev.Contact
		if c.ID == "" {
			c.ID = ev.ContactID
		}
		return c, nil
	}
	return e.contacts.GetContact(ctx, ev.CRM, ev.ContactID)
}

// finish ends an event that changes no user: one activity line and commit.
func (e *Engine) finish(ctx context.Context, ev Event, res Result, level string, commit CommitFunc) (Result, error) {
	err := e.st.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.AddActivity(ctx, &store.Activity{CRM: ev.CRM, EventID: eventID(ev), Level: level, Message: res.Message}); err != nil {
			return err
		}
		return commit(ctx, tx, res)
	})
	if err != nil {
		return Result{}, fmt.Errorf("engine: %s %s contact %s: %w", ev.Action, ev.CRM, ev.ContactID, err)
	}
	return res, nil
}

// problem says what makes an event unusable, or "".
func (ev Event) problem() string {
	switch {
	case ev.Action != ActionAdd && ev.Action != ActionUpdate && ev.Action != ActionUpdateTags:
		return fmt.Sprintf("Unknown action %q: a webhook may ask for add, update or update_tags.", ev.Action)
	case ev.ContactID == "":
		return "The webhook names no contact."
	}
	return ""
}

// saveAndTestID is the contact id KlickTipp's "Save and Test" button sends.
const saveAndTestID = "12345"

func contactNotFound(ev Event) Result {
	msg := fmt.Sprintf("Contact %s was not found in %s.", ev.ContactID, ev.CRM)
	if ev.ContactID == saveAndTestID {
		msg = fmt.Sprintf("Contact %s was not found in %s — KlickTipp's 'Save and Test' sends this id, so this was probably a test.", ev.ContactID, ev.CRM)
	}
	return Result{Outcome: ContactNotFound, Message: msg}
}

func eventID(ev Event) *int64 {
	if ev.ID == 0 {
		return nil
	}
	id := ev.ID
	return &id
}
