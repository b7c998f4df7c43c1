package api

import (
	"bytes"
	"errors"
	"io"
	"strconv"
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

var (
	errNotObject = errors.New("want a JSON object")
	errTrailing  = errors.New("want one JSON object, found more after it")
)

// UnmarshalJSON reads a subscriber object, tolerating what PHP makes of
// one: numbers where strings were promised, [] for an empty map, and
// values of unexpected shape (which are skipped rather than failing the
// whole contact). The plugin reads a contact for every event, so this
// reads the answer's tokens in one pass, checking its syntax on the way,
// instead of decoding it into a map of raw values and each value again.
// It reads what encoding/json would: the last of a repeated key, and
// U+FFFD for bytes that are not UTF-8.
func (s *Subscriber) UnmarshalJSON(b []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(b),
		jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
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
			s.Tags, err = readIDs(dec)
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
	if _, err := dec.ReadToken(); err != io.EOF {
		return errTrailing
	}
	for key, v := range nested {
		if _, taken := s.Fields[key]; !taken {
			s.Fields[key] = v
		}
	}
	return nil
}

// eachMember reads the object next in dec, calling read for each member
// with dec at its value, which read must consume.
func eachMember(dec *jsontext.Decoder, read func(name string) error) error {
	if _, err := dec.ReadToken(); err != nil { // {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := read(name.String()); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// eachElement reads the array next in dec, calling read for each element
// with dec at it, which read must consume.
func eachElement(dec *jsontext.Decoder, read func(i int) error) error {
	if _, err := dec.ReadToken(); err != nil { // [
		return err
	}
	for i := 0; dec.PeekKind() != ']'; i++ {
		if err := read(i); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// readText reads the next value as text does. An array or an object is
// skipped and reads as false.
func readText(dec *jsontext.Decoder) (string, bool, error) {
	switch dec.PeekKind() {
	case '[', '{':
		return "", false, dec.SkipValue()
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return "", false, err
	}
	switch tok.Kind() {
	case '"', '0':
		return tok.String(), true, nil // a number as written
	case 't':
		return "1", true, nil
	default: // null, false
		return "", true, nil
	}
}

// readPHPMap reads the next value as a phpMap: nil when it is not one, or
// when one of its values is not a scalar.
func readPHPMap(dec *jsontext.Decoder) (phpMap, error) {
	m := phpMap{}
	odd := false
	read := func(key string) error {
		v, ok, err := readText(dec)
		m[key], odd = v, odd || !ok
		return err
	}
	var err error
	switch dec.PeekKind() {
	case '{':
		err = eachMember(dec, read)
	case '[':
		err = eachElement(dec, func(i int) error { return read(strconv.Itoa(i)) })
	case 'n':
		_, err = dec.ReadToken()
	default:
		_, _, err = readText(dec)
		odd = true
	}
	if err != nil || odd {
		return nil, err
	}
	return m, nil
}

// readKeys reads the next value as a phpMap and returns its keys in id
// order: the tags of manual_tags and smart_tags, whose values say when
// each was applied.
func readKeys(dec *jsontext.Decoder) ([]string, error) {
	m, err := readPHPMap(dec)
	return m.keys(), err
}

// readIDs reads the next value as an idList.
func readIDs(dec *jsontext.Decoder) ([]string, error) {
	switch dec.PeekKind() {
	case '[', '{':
		m, err := readPHPMap(dec)
		var ids []string
		for _, id := range m {
			ids = append(ids, id)
		}
		return cleanIDs(ids), err
	default:
		id, _, err := readText(dec)
		return cleanIDs([]string{id}), err
	}
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
