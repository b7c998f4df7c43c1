package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"
)

// text is a JSON scalar read the way KlickTipp means it: a string; a number
// kept as written (so a long id keeps every digit); null as ""; true as "1"
// and false as "", as PHP prints them.
type text string

var errNotScalar = errors.New("want a string, a number or null")

func (t *text) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errNotScalar
	case b[0] == '"' && len(b) >= 2 && plain(b[1:len(b)-1]):
		*t = text(b[1 : len(b)-1]) // nothing to unescape: most values of an answer
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case string(b) == "null", string(b) == "false":
		*t = ""
	case string(b) == "true":
		*t = "1"
	case b[0] == '-' || ('0' <= b[0] && b[0] <= '9'):
		*t = text(b)
	default:
		return errNotScalar
	}
	return nil
}

// plain reports whether a JSON string's content reads as it is written:
// no escapes, and valid UTF-8 (which decoding would otherwise replace).
func plain(content []byte) bool {
	return bytes.IndexByte(content, '\\') < 0 && utf8.Valid(content)
}

// phpMap is a JSON object of scalars, or what PHP writes for the same
// array: [] when empty, a list when its keys happen to be 0, 1, 2, ….
type phpMap map[string]string

func (m *phpMap) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*m = phpMap{}
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		var list []text
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*m = make(phpMap, len(list))
		for i, v := range list {
			(*m)[strconv.Itoa(i)] = string(v)
		}
		return nil
	}
	var object map[string]text
	if err := json.Unmarshal(b, &object); err != nil {
		return err
	}
	*m = make(phpMap, len(object))
	for k, v := range object {
		(*m)[k] = string(v)
	}
	return nil
}

// keys returns the map's keys in id order; nil when there are none.
func (m phpMap) keys() []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sortIDs(keys)
	return keys
}

// idList is a list of ids as KlickTipp writes one: an array of strings or
// numbers; an object whose values are the ids (a PHP array with holes in
// its keys); a single id; or null.
type idList []string

func (l *idList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var ids []string
	switch {
	case len(b) > 0 && b[0] == '[':
		var list []text
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		for _, id := range list {
			ids = append(ids, string(id))
		}
	case len(b) > 0 && b[0] == '{':
		var object map[string]text
		if err := json.Unmarshal(b, &object); err != nil {
			return err
		}
		for _, id := range object {
			ids = append(ids, string(id))
		}
	default:
		var one text
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		if one != "" {
			ids = append(ids, string(one))
		}
	}
	*l = cleanIDs(ids)
	return nil
}

// cleanIDs sorts ids and drops empty and repeated ones; nil when none is
// left.
func cleanIDs(ids []string) []string {
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == "" })
	if len(ids) == 0 {
		return nil
	}
	sortIDs(ids)
	return slices.Compact(ids)
}

// sortIDs orders ids shorter first, then character by character: numeric
// order for KlickTipp's numeric ids, and the same order every time.
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
	})
}
