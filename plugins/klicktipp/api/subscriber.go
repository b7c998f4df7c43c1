package api

import (
	"encoding/json"
	"strings"
)

// Subscriber is a KlickTipp contact, as GET /subscriber/{id} reports it.
type Subscriber struct {
	ID    string
	Email string
	// Tags holds the ids of every tag the subscriber carries.
	Tags []string
	// ManualTags holds the ids of the tags applied by hand, by an
	// automation or through the API; SmartTags those KlickTipp computes
	// (opened, clicked, …). Both are subsets of Tags.
	ManualTags []string
	SmartTags  []string
	// Fields maps every field… key (fieldFirstName, field12345, …) and
	// "email" to its value; null reads as "".
	Fields map[string]string
}

// answerKeys is about how many keys a subscriber answer has (KlickTipp's
// own and a few custom fields): the maps are made that large at once.
const answerKeys = 48

// UnmarshalJSON reads a subscriber object, tolerating what PHP makes of
// one: numbers where strings were promised, [] for an empty map, and
// values of unexpected shape (which are skipped rather than failing the
// whole contact).
func (s *Subscriber) UnmarshalJSON(b []byte) error {
	// Each value is read on its own below, by text's UnmarshalJSON where
	// it is a scalar: called directly, as it is already valid JSON.
	raw := make(map[string]json.RawMessage, answerKeys)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = Subscriber{Fields: make(map[string]string, len(raw))}
	for key, value := range raw {
		switch {
		case key == "id":
			s.ID = scalar(value)
		case key == "email":
			s.Email = scalar(value)
			s.Fields["email"] = s.Email
		case key == "tags":
			var ids idList
			_ = json.Unmarshal(value, &ids)
			s.Tags = ids
		case key == "manual_tags":
			var m phpMap
			_ = json.Unmarshal(value, &m)
			s.ManualTags = m.keys()
		case key == "smart_tags":
			var m phpMap
			_ = json.Unmarshal(value, &m)
			s.SmartTags = m.keys()
		case key == "fields":
			s.mergeFields(value)
		case strings.HasPrefix(key, "field"):
			var v text
			if v.UnmarshalJSON(value) == nil {
				s.Fields[key] = string(v)
			}
		}
	}
	return nil
}

// mergeFields reads a nested "fields" map, which some answers carry in
// place of (or besides) the top-level field… keys; top-level keys win.
func (s *Subscriber) mergeFields(value json.RawMessage) {
	var nested map[string]json.RawMessage
	if json.Unmarshal(value, &nested) != nil {
		return // [] (empty) or a shape this plugin does not know
	}
	for key, raw := range nested {
		var v text
		if _, taken := s.Fields[key]; !taken && v.UnmarshalJSON(raw) == nil {
			s.Fields[key] = string(v)
		}
	}
}

// scalar reads a JSON scalar as text; anything else reads as "".
func scalar(value json.RawMessage) string {
	var v text
	_ = v.UnmarshalJSON(value)
	return string(v)
}
