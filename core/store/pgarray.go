package store

import "encoding/hex"

// pgArray writes a PostgreSQL array literal, the text form of a parameter
// cast to an array type (text[], bytea[], …), so that a statement of one
// text takes any number of rows (see insertReceivedPG).
type pgArray struct{ b []byte }

// add appends an element, quoted, so that no text reads as NULL or as a
// separator.
func (a *pgArray) add(s string) {
	a.sep()
	a.b = append(a.b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			a.b = append(a.b, '\\')
		}
		a.b = append(a.b, s[i])
	}
	a.b = append(a.b, '"')
}

// addBytes appends a bytea element in hex, or NULL for nil.
func (a *pgArray) addBytes(p []byte) {
	if p == nil {
		a.sep()
		a.b = append(a.b, "NULL"...)
		return
	}
	a.add(`\x` + hex.EncodeToString(p))
}

func (a *pgArray) sep() {
	if len(a.b) == 0 {
		a.b = append(a.b, '{')
	} else {
		a.b = append(a.b, ',')
	}
}

// String is the literal: {} when empty.
func (a *pgArray) String() string {
	if len(a.b) == 0 {
		return "{}"
	}
	return string(a.b) + "}"
}
