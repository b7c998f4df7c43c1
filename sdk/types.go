package sdk

import "time"

// ProtocolVersion is the version of the plugin protocol this SDK speaks. The
// host refuses a plugin that speaks another, naming the SDK to rebuild with.
const ProtocolVersion = 2

// Info describes a plugin to the host.
type Info struct {
	// Name is the plugin's short name, e.g. "klicktipp"; lower case letters,
	// digits and dashes. It must match the binary's name,
	// crmhub-plugin-<name>: the hub refuses a plugin that gives another one.
	Name string
	// DisplayName is the CRM's name as people write it, e.g. "KlickTipp".
	DisplayName string
	// Version is the plugin's own version, e.g. "1.2.0".
	Version string
	// ProtocolVersion is filled in by Serve; a plugin leaves it zero.
	ProtocolVersion int
	// Capabilities lists optional features, e.g. "update_contact".
	Capabilities []string
	// Settings describes what Configure accepts. The hub checks an
	// operator's settings against it before Configure, fills in defaults,
	// and redacts the values of settings marked Secret wherever it shows a
	// config.
	Settings []Setting
	// Webhooks says how the CRM's webhooks behave.
	Webhooks WebhookProfile
}

// WebhookProfile is how a CRM's webhooks behave, declared once in Info.
// The zero value is KlickTipp's kind of CRM: any request with the right
// access key is stored, the URL names the action, and the CRM gets the
// hub's 202 JSON.
type WebhookProfile struct {
	// Check makes the hub call CheckWebhook on every request before it
	// stores it. Serve sets it when the CRM implements WebhookChecker; a
	// plugin leaves it false.
	Check bool
	// Ack is the answer the CRM needs when a request is accepted, e.g.
	// Salesforce's SOAP Ack. A zero Status means the hub's own 202 JSON.
	Ack Answer
	// DefaultAction, when set, makes the URL's action optional: a request
	// without one is taken as this action. Items may override it either way.
	DefaultAction Action
}

// Answer is an HTTP response the hub sends to the CRM on a plugin's behalf.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Setting describes one key that Configure accepts.
type Setting struct {
	Name        string
	Description string
	// Type is the kind of value; the zero value is TypeString.
	Type SettingType
	// Values lists the allowed values of a TypeEnum setting.
	Values []string
	// Default is the value Configure gets when the operator sets none,
	// written as the operator would write it.
	Default  string
	Required bool
	// Secret values are never shown, logged or put in error messages.
	Secret bool
}

// SettingType is the kind of a setting's value. Every value travels as a
// string; Settings has a reader for each type.
type SettingType string

const (
	TypeString   SettingType = "string"
	TypeInt      SettingType = "int"
	TypeBool     SettingType = "bool"
	TypeDuration SettingType = "duration" // as time.ParseDuration reads it, e.g. "30s"
	TypeEnum     SettingType = "enum"     // one of Setting.Values
	TypeList     SettingType = "list"     // comma-separated; a YAML list in the hub's config
)

// RawWebhook is one HTTP request the CRM sent to the hub, as the hub stored
// it. The hub has already removed its access key from Query, Header and Body.
// Never modify its maps or its Body: they may be shared.
type RawWebhook struct {
	// EventID is the hub's id of this request, for log lines.
	EventID string
	// ReceivedAt is when the hub received the request. Check freshness
	// (e.g. a signed timestamp) against it, never against the clock: a
	// request is decoded later, and again when an operator replays it.
	ReceivedAt time.Time
	Method     string
	// Query holds the URL's query parameters.
	Query map[string][]string
	// Header holds the request headers, canonicalised as net/http does
	// (use http.Header(h).Get, or canonical keys such as "X-Hubspot-Signature").
	Header map[string][]string
	// ContentType is the request's Content-Type header, if any.
	ContentType string
	// Body is the request body, possibly empty.
	Body []byte
}

// Action is what the hub does with an item (see the plugin guide).
type Action string

const (
	// ActionDefault leaves the choice to the URL's action (or the
	// profile's DefaultAction).
	ActionDefault    Action = ""
	ActionAdd        Action = "add"
	ActionUpdate     Action = "update"
	ActionUpdateTags Action = "update_tags"
	// ActionIgnore ends the item done / ignored with its Reason.
	ActionIgnore Action = "ignore"
)

// Item is one contact a webhook is about; a request may carry many, or none.
// Each item is processed on its own: its own attempts, outcome and replay.
type Item struct {
	// ContactID and Email name the contact; at least one is set unless the
	// action is ActionIgnore. When only Email is, the hub finds the contact
	// through FindContact. Email is used only to find the contact, never as
	// the contact's address.
	ContactID string
	Email     string
	// Action overrides the URL's action for this item; ActionDefault keeps it.
	Action Action
	// Reason says why an item is ignored, for the operator.
	Reason string
	// Contact, when the webhook itself carries the contact's complete and
	// authoritative data, is used as is: the hub does not call GetContact.
	Contact *Contact
	// Notes are written into the item's activity, for the operator.
	Notes []string
}

// Ignore is an item the hub records as done / ignored, with the reason.
func Ignore(contactID, reason string) Item {
	return Item{ContactID: contactID, Action: ActionIgnore, Reason: reason}
}

// Contact is a CRM contact as the CRM reports it.
type Contact struct {
	ID    string
	Email string
	// Tags holds every tag the contact carries that the plugin reports
	// (a plugin may leave some out by setting, e.g. computed tags); names
	// may be empty when the CRM has none.
	Tags []Tag
	// Fields maps CRM field ids to values. Empty values mean "no value".
	Fields map[string]string
}

// Tag is a CRM tag.
type Tag struct {
	ID   string
	Name string
}

// Field is a CRM contact field.
type Field struct {
	ID   string
	Name string
}
