// Package sfid reads Salesforce record ids. An id is 15 case-sensitive
// characters, or those 15 followed by a 3-character suffix that encodes
// their case, so that tools which ignore case can still tell ids apart.
// Two ids name the same record when their first 15 characters are equal.
package sfid

import "strings"

// suffixAlphabet maps five case bits to one suffix character.
const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// Valid reports whether id is a well-formed 15- or 18-character id; an
// 18-character id's suffix must match the case of its first 15.
func Valid(id string) bool {
	if len(id) != 15 && len(id) != 18 {
		return false
	}
	for _, c := range []byte(id) {
		if !isAlnum(c) {
			return false
		}
	}
	return len(id) == 15 || id[15:] == suffix(id[:15])
}

// To18 returns the 18-character form of a valid id.
func To18(id string) string {
	if len(id) != 15 {
		return id
	}
	return id + suffix(id)
}

// Same reports whether a and b name the same record: their first 15
// characters are equal, case-sensitively.
func Same(a, b string) bool {
	return len(a) >= 15 && len(b) >= 15 && a[:15] == b[:15]
}

// suffix computes the case suffix of a 15-character id: for each run of
// five characters, bit i is set when character i is an upper-case letter.
func suffix(id15 string) string {
	var b strings.Builder
	for chunk := range 3 {
		bits := 0
		for i := range 5 {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				bits |= 1 << i
			}
		}
		b.WriteByte(suffixAlphabet[bits])
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
