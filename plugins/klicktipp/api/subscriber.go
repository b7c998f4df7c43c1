package api

import (
	"strings"

	"github.com/go-json-experiment/json/jsontext"
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
// whole contact). The plugin reads a contact for every event, so this
// reads the answer's tokens in one pass, checking its syntax on the way,
// instead of decoding it into a map of raw values and each value again,
// and reads what encoding/json would (see readOne).
func (s *Subscriber) UnmarshalJSON(b []byte) error {
	return readOne(b, s.read)
}

// read reads the subscriber object next in dec.
func (s *Subscriber) read(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case '{':
	case 0: // not JSON
		_, err := dec.ReadToken()
		return err
	default:
		return errNotObject
	}
	*s = Subscriber{Fields: make(map[string]string, answerKeys)}
	var nested map[string]string // a "fields" map, under the top-level keys
	err := eachMember(dec, func(key string) (err error) {
		switch {
		case key == "id":
			s.ID, _, err = readText(dec)
		case key == "email":
			s.Email, _, err = readText(dec)
			s.Fields["email"] = s.Email
		case key == "tags":
			s.Tags, _, err = readIDs(dec)
		case key == "manual_tags":
			s.ManualTags, err = readKeys(dec)
		case key == "smart_tags":
			s.SmartTags, err = readKeys(dec)
		case key == "fields":
			nested, err = readFields(dec)
		case strings.HasPrefix(key, "field"):
			var v string
			var scalar bool
			if v, scalar, err = readText(dec); scalar {
				s.Fields[key] = v
			} else {
				delete(s.Fields, key) // a repeated key's last value wins, even one of odd shape
			}
		default:
			err = dec.SkipValue()
		}
		return err
	})
	if err != nil {
		return err
	}
	for key, v := range nested {
		if _, taken := s.Fields[key]; !taken {
			s.Fields[key] = v
		}
	}
	return nil
}

// readKeys reads the next value as a phpMap and returns its keys in id
// order: the tags of manual_tags and smart_tags, whose values say when
// each was applied.
func readKeys(dec *jsontext.Decoder) ([]string, error) {
	m, _, err := readPHPMap(dec)
	return m.keys(), err
}

// readFields reads a nested "fields" object's scalar values, skipping
// any other; nil when it is not an object ([] when empty).
func readFields(dec *jsontext.Decoder) (map[string]string, error) {
	if dec.PeekKind() != '{' {
		return nil, dec.SkipValue()
	}
	m := map[string]string{}
	err := eachMember(dec, func(key string) error {
		v, ok, err := readText(dec)
		if ok {
			m[key] = v
		} else {
			delete(m, key)
		}
		return err
	})
	return m, err
}
