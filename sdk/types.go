package sdk

// ProtocolVersion is the version of the plugin protocol this SDK speaks. The
// host refuses a plugin that speaks another.
const ProtocolVersion = 1

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
	// Settings describes what Configure accepts. The hub redacts the
	// values of settings marked Secret wherever it shows a config.
	Settings []Setting
}

// Setting describes one key that Configure accepts.
type Setting struct {
	Name        string
	Description string
	Required    bool
	Secret      bool
}

// RawWebhook is one HTTP request the CRM sent to the hub, as the hub stored
// it. The hub has already removed its access key from Query, Header and Body.
type RawWebhook struct {
	Method string
	// Query holds the URL's query parameters.
	Query map[string][]string
	// Header holds the request headers, canonicalised as net/http does.
	Header map[string][]string
	// ContentType is the request's Content-Type header, if any.
	ContentType string
	// Body is the request body, possibly empty.
	Body []byte
}

// Decoded is what a plugin read from a webhook: the contact it is about.
// At least one of ContactID and Email is set; when only Email is, the hub
// resolves the contact through FindContact.
type Decoded struct {
	ContactID string
	// Email is the address the webhook claims for the contact. The hub uses
	// it only to find the contact, never as the contact's address.
	Email string
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
