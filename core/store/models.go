package store

import (
	"time"

	"github.com/uptrace/bun"
)

// User is an application user kept in sync with CRM contacts.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID       int64  `bun:"id,pk,autoincrement"`
	Username string `bun:"username,notnull"`
	Email    string `bun:"email,notnull"`
	// EmailKey is the lower-cased e-mail; its unique index makes e-mail
	// uniqueness ignore case on both dialects.
	EmailKey     string    `bun:"email_key,notnull"`
	PasswordHash string    `bun:"password_hash,notnull"`
	Role         string    `bun:"role,notnull"`
	FirstName    string    `bun:"first_name,notnull"`
	LastName     string    `bun:"last_name,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

// UserField is one profile field of a user (hub field name → value).
type UserField struct {
	bun.BaseModel `bun:"table:user_fields"`

	UserID int64  `bun:"user_id,pk"`
	Name   string `bun:"name,pk"`
	Value  string `bun:"value,notnull"`
}

// ContactLink ties a user to one CRM contact. A contact belongs to at most
// one user, and a user has at most one contact per CRM.
type ContactLink struct {
	bun.BaseModel `bun:"table:contact_links"`

	CRM       string    `bun:"crm,pk"`
	ContactID string    `bun:"contact_id,pk"`
	UserID    int64     `bun:"user_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// UserTag is a tag a CRM has put on a user.
type UserTag struct {
	bun.BaseModel `bun:"table:user_tags"`

	UserID  int64  `bun:"user_id,pk"`
	CRM     string `bun:"crm,pk"`
	TagID   string `bun:"tag_id,pk"`
	TagName string `bun:"tag_name,notnull"`
}

// Event is one received webhook: an inbox row (docs/architecture.md).
type Event struct {
	bun.BaseModel `bun:"table:events"`

	ID     int64  `bun:"id,pk,autoincrement"`
	CRM    string `bun:"crm,notnull"`
	Action string `bun:"action,notnull"`
	// Role and SendNotification are the webhook's parameters.
	Role             string `bun:"role,notnull"`
	SendNotification bool   `bun:"send_notification,notnull"`

	// The request as received, without the access key.
	Method      string `bun:"method,notnull"`
	Query       string `bun:"query,notnull"`
	Header      string `bun:"header,notnull"` // JSON object of string lists
	ContentType string `bun:"content_type,notnull"`
	Body        []byte `bun:"body"`

	// Set once the plugin decoded the request.
	Decoded   bool   `bun:"decoded,notnull"`
	ContactID string `bun:"contact_id,notnull"`
	Email     string `bun:"email,notnull"`
	// Contact is the contact the webhook carried (JSON of an sdk.Contact),
	// applied instead of asking the CRM; empty when none.
	Contact string `bun:"contact,notnull"`

	// A request may name several contacts, its items: the request's own
	// row is item 0, and items 1.. are rows of their own with RequestID
	// naming the request's row. ItemCount (on the request's row) is how
	// many items its decode gave.
	RequestID *int64 `bun:"request_id"`
	ItemIndex int    `bun:"item_index,notnull"`
	ItemCount int    `bun:"item_count,notnull"`

	Status        string     `bun:"status,notnull"`
	Outcome       string     `bun:"outcome,notnull"`
	Message       string     `bun:"message,notnull"`
	UserID        *int64     `bun:"user_id"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	LeaseOwner    string     `bun:"lease_owner,notnull"` // the Lease of the claim that holds it
	LeaseUntil    *time.Time `bun:"lease_until"`
	CoalescedInto *int64     `bun:"coalesced_into"`
	ReceivedAt    time.Time  `bun:"received_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
	FinishedAt    *time.Time `bun:"finished_at"`

	// Items holds, when read with its items, a request's items in order
	// (the request's own row first); nil otherwise. Not stored.
	Items []*Event `bun:"-"`
}

// Event statuses (docs/architecture.md, "Event states and outcomes").
const (
	StatusReceived   = "received"
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusRetrying   = "retrying"
	StatusDone       = "done"
	StatusFailed     = "failed"
	StatusDead       = "dead"
)

// EventAttempt records one try at applying an event.
type EventAttempt struct {
	bun.BaseModel `bun:"table:event_attempts"`

	ID         int64      `bun:"id,pk,autoincrement"`
	EventID    int64      `bun:"event_id,notnull"`
	Number     int        `bun:"number,notnull"`
	Owner      string     `bun:"owner,notnull"`
	StartedAt  time.Time  `bun:"started_at,notnull"`
	FinishedAt *time.Time `bun:"finished_at"`
	Outcome    string     `bun:"outcome,notnull"`
	Error      string     `bun:"error,notnull"`
}

// Activity is one line of the activity log, for people to read.
type Activity struct {
	bun.BaseModel `bun:"table:activity"`

	ID      int64     `bun:"id,pk,autoincrement"`
	At      time.Time `bun:"at,notnull"`
	CRM     string    `bun:"crm,notnull"`
	EventID *int64    `bun:"event_id"`
	UserID  *int64    `bun:"user_id"`
	Level   string    `bun:"level,notnull"` // info | notice | warning | error
	Message string    `bun:"message,notnull"`
}

// ContactLease keeps one contact's events to one worker at a time, across
// processes sharing the store.
type ContactLease struct {
	bun.BaseModel `bun:"table:contact_leases"`

	CRM       string    `bun:"crm,pk"`
	ContactID string    `bun:"contact_id,pk"`
	Owner     string    `bun:"owner,notnull"`
	Until     time.Time `bun:"until,notnull"`
}

// OutboxItem is a side effect outside the store that must happen once after
// a commit: a welcome mail or a password written back to the CRM. Secret
// holds the plaintext it needs, encrypted with the hub's secret key; it is
// wiped once the item is delivered.
type OutboxItem struct {
	bun.BaseModel `bun:"table:outbox"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Kind          string     `bun:"kind,notnull"` // welcome_mail | return_password
	UserID        int64      `bun:"user_id,notnull"`
	EventID       *int64     `bun:"event_id"`
	CRM           string     `bun:"crm,notnull"`
	ContactID     string     `bun:"contact_id,notnull"`
	Target        string     `bun:"target,notnull"` // mail address or CRM field
	Secret        []byte     `bun:"secret"`
	Status        string     `bun:"status,notnull"` // pending | sending | sent | failed
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	LastError     string     `bun:"last_error,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	DoneAt        *time.Time `bun:"done_at"`
}

// Outbox kinds and statuses.
const (
	OutboxWelcomeMail    = "welcome_mail"
	OutboxReturnPassword = "return_password"

	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// Setting is one hub-wide value kept in the store, e.g. the generated
// global access key.
type Setting struct {
	bun.BaseModel `bun:"table:settings"`

	Key   string `bun:"key,pk"`
	Value string `bun:"value,notnull"`
}

// Change is one user event: a row of the change feed, written in the
// transaction that changed the user. Data is the event's JSON data.
type Change struct {
	bun.BaseModel `bun:"table:changes"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	Type      string    `bun:"type,notnull"`
	Sequence  int64     `bun:"sequence,notnull"`
	Data      string    `bun:"data,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// AppDelivery is one change to push to one app.
type AppDelivery struct {
	bun.BaseModel `bun:"table:app_deliveries"`

	ID            int64     `bun:"id,pk,autoincrement"`
	App           string    `bun:"app,notnull"`
	ChangeID      int64     `bun:"change_id,notnull"`
	UserID        int64     `bun:"user_id,notnull"`
	Status        string    `bun:"status,notnull"` // pending | sending | delivered | dead
	Attempts      int       `bun:"attempts,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,notnull"`
	// LeaseToken names the claim that is sending it; only that claim may
	// record how the delivery went.
	LeaseToken string     `bun:"lease_token,notnull"`
	LeaseUntil *time.Time `bun:"lease_until"`
	// ResponseStatus is the HTTP status of the last answer, 0 for none.
	ResponseStatus int        `bun:"response_status,notnull"`
	LastError      string     `bun:"last_error,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
	FinishedAt     *time.Time `bun:"finished_at"`
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// DeliveryStatuses are all the delivery statuses, in the order a delivery
// goes through them (read it, never change it).
var DeliveryStatuses = []string{DeliveryPending, DeliverySending, DeliveryDelivered, DeliveryDead}

// SignInFailure is one failed sign-in for a login (its lower-cased form).
type SignInFailure struct {
	bun.BaseModel `bun:"table:sign_in_failures"`

	ID       int64     `bun:"id,pk,autoincrement"`
	LoginKey string    `bun:"login_key,notnull"`
	At       time.Time `bun:"at,notnull"`
}
