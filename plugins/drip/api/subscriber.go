package api

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// StandardFields are the subscriber attributes Drip keeps outside
// custom_fields, by their API names; GetContact reports them as fields.
var StandardFields = []string{"email", "first_name", "last_name", "phone", "address1", "address2",
	"city", "state", "zip", "country"}

// Subscriber is a Drip subscriber as the API and the webhooks write it.
type Subscriber struct {
	ID     string `json:"id"`
	Email  string `json:"email"`
	Status string `json:"status"`
	// Attributes holds the standard attributes present (StandardFields).
	Attributes map[string]string `json:"-"`
	// CustomFields maps identifiers to values; numbers and booleans are
	// written as text.
	CustomFields map[string]string `json:"-"`
	// Tags are the subscriber's tag names; nil when the payload had none
	// (as opposed to an empty list).
	Tags []string `json:"tags"`
}

// UnmarshalJSON reads a subscriber object, keeping only strings (or text
// for numbers) of the attributes crmhub uses.
func (s *Subscriber) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = Subscriber{ID: text(raw["id"]), Email: text(raw["email"]), Status: text(raw["status"]),
		Attributes: map[string]string{}}
	for _, name := range StandardFields {
		if v, ok := raw[name]; ok {
			s.Attributes[name] = text(v)
		}
	}
	if v, ok := raw["custom_fields"]; ok && string(v) != "null" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(v, &fields); err != nil {
			return err
		}
		s.CustomFields = make(map[string]string, len(fields))
		for name, value := range fields {
			s.CustomFields[name] = text(value)
		}
	}
	if v, ok := raw["tags"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &s.Tags); err != nil {
			return err
		}
		if s.Tags == nil {
			s.Tags = []string{}
		}
	}
	return nil
}

// text is a JSON value as text: a string as is, a number or boolean as
// written, null and objects as "".
func text(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	t := strings.TrimSpace(string(v))
	if t == "" || t == "null" || strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return ""
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil || t == "true" || t == "false" {
		return t
	}
	return ""
}

// Contact is the subscriber in the SDK's terms. Drip's tags have no ids:
// a tag's name is its id, in ListTags as here. Fields are the standard
// attributes by API name and the custom fields by identifier; a custom
// field named like an attribute fills it only when the attribute is empty.
func (s Subscriber) Contact() sdk.Contact {
	fields := make(map[string]string, len(s.Attributes)+len(s.CustomFields))
	for name, value := range s.CustomFields {
		fields[name] = value
	}
	for name, value := range s.Attributes {
		if value != "" || fields[name] == "" {
			fields[name] = value
		}
	}
	fields["email"] = s.Email
	tags := make([]sdk.Tag, 0, len(s.Tags))
	for _, name := range s.Tags {
		tags = append(tags, sdk.Tag{ID: name, Name: name})
	}
	return sdk.Contact{ID: s.ID, Email: s.Email, Tags: tags, Fields: fields}
}
