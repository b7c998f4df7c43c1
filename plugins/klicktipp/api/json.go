package api

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// KlickTipp's answers are PHP's json_encode of PHP arrays, so a value's
// shape varies with its content. The types below read each shape the way
// KlickTipp means it, for encoding/json (as fields of an answer's
// struct); the read… functions under them do the reading, token by
// token, and Subscriber uses them directly.

// text is a JSON scalar read the way KlickTipp means it: a string; a number
// kept as written (so a long id keeps every digit); null as ""; true as "1"
// and false as "", as PHP prints them.
type text string

// phpMap is a JSON object of scalars, or what PHP writes for the same
// array: [] when empty, a list when its keys happen to be 0, 1, 2, ….
// null reads as empty.
type phpMap map[string]string

// idList is a list of ids as KlickTipp writes one: an array of strings or
// numbers; an object whose values are the ids (a PHP array with holes in
// its keys); a single id; or null. Empty and repeated ids are dropped and
// the rest sorted (see sortIDs).
type idList []string

var (
	errNotScalar = errors.New("want a string, a number or null")
	errNotMap    = errors.New("want an object or a list of strings, numbers or nulls")
	errNotIDs    = errors.New("want ids: a list, an object of them, or one")
	errNotObject = errors.New("want a JSON object")
	errTrailing  = errors.New("want one JSON value, found more after it")
)

func (t *text) UnmarshalJSON(b []byte) error {
	return readInto(b, t, func(dec *jsontext.Decoder) (text, bool, error) {
		v, scalar, err := readText(dec)
		return text(v), scalar, err
	}, errNotScalar)
}

func (m *phpMap) UnmarshalJSON(b []byte) error { return readInto(b, m, readPHPMap, errNotMap) }

func (l *idList) UnmarshalJSON(b []byte) error { return readInto(b, l, readIDs, errNotIDs) }

// readInto reads b, which must hold one JSON value, into *dst with read;
// a value of another shape is errShape and leaves *dst as it was.
func readInto[T any](b []byte, dst *T, read func(*jsontext.Decoder) (T, bool, error), errShape error) error {
	return readOne(b, func(dec *jsontext.Decoder) error {
		v, ok, err := read(dec)
		if err != nil {
			return err
		}
		if !ok {
			return errShape
		}
		*dst = v
		return nil
	})
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

// readOne reads b, which must hold one JSON value and nothing after it,
// with read. It reads as encoding/json does: the last of a repeated key
// wins, and bytes that are not UTF-8 read as U+FFFD.
func readOne(b []byte, read func(dec *jsontext.Decoder) error) error {
	dec := jsontext.NewDecoder(bytes.NewReader(b),
		jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if err := read(dec); err != nil {
		return err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return errTrailing
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

// readText reads the next value as a text; false, the value skipped,
// when it is an array or an object.
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

// readPHPMap reads the next value as a phpMap; false, the value read to
// its end, when it is not one or one of its values is not a scalar.
func readPHPMap(dec *jsontext.Decoder) (phpMap, bool, error) {
	m := phpMap{}
	odd := false
	read := func(key string) error {
		v, scalar, err := readText(dec)
		m[key], odd = v, odd || !scalar
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
		return nil, false, err
	}
	return m, true, nil
}

// readIDs reads the next value as an idList; false when it is a list or
// an object holding anything but scalars.
func readIDs(dec *jsontext.Decoder) (idList, bool, error) {
	switch dec.PeekKind() {
	case '[', '{':
		m, ok, err := readPHPMap(dec)
		ids := make([]string, 0, len(m))
		for _, id := range m {
			ids = append(ids, id)
		}
		return cleanIDs(ids), ok, err
	default:
		id, _, err := readText(dec)
		return cleanIDs([]string{id}), true, err
	}
}

// cleanIDs sorts ids and drops empty and repeated ones; nil when none is
// left.
func cleanIDs(ids []string) idList {
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
