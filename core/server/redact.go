package server

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// redactedMark replaces a secret found in a stored request. It reads the
// same in a query, a form, a JSON string and a header, and breaks none of
// them.
const redactedMark = "[redacted]"

// redactSecrets replaces every occurrence of each secret in b with
// redactedMark, and returns b itself when there is none.
//
// A client may send a secret however its library encodes it, and may mix
// encodings within it, so each character of the secret is matched as
// itself, percent-encoded (either case of hex, once or twice), as "+" for
// a space, or JSON-escaped ("\/", "\u0026", …), a JSON escape inside a
// percent-encoded field too ("%5C%2F"). Longer secrets go first, so one
// that contains another is removed whole.
//
// The encodings are read by the matcher rather than listed as extra
// spellings of each secret: a JSON escape may be spelled in many ways
// (any character as \uXXXX in either case, "/" as "\/", each byte of the
// escape percent-encoded or not), too many to list, and telling an escape
// from an escaped backslash needs the text around it anyway.
func redactSecrets(b []byte, secrets []string) []byte {
	if !slices.IsSortedFunc(secrets, longerFirst) { // hookSecrets' are sorted once
		secrets = slices.Clone(secrets)
		slices.SortFunc(secrets, longerFirst)
	}
	for _, s := range secrets {
		if s != "" {
			b = redactSecret(b, s)
		}
	}
	return b
}

// redactText is redactSecrets for a string: s itself when it holds no
// secret.
func redactText(s string, secrets []string) string {
	if s == "" || spellsNoSecret(s, secrets) {
		return s
	}
	if b := redactSecrets([]byte(s), secrets); string(b) != s {
		return string(b)
	}
	return s
}

// spellsNoSecret reports, cheaply, that s holds none of the secrets in any
// spelling: with no '%', '\' or '+' in it each byte reads only as itself,
// so a secret could only be there as it is. Most of what a webhook stores
// passes; redactSecrets reads the rest.
func spellsNoSecret(s string, secrets []string) bool {
	if strings.ContainsAny(s, `%\+`) {
		return false
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			return false
		}
	}
	return true
}

// longerFirst orders secrets as redactSecrets tries them.
func longerFirst(x, y string) int { return cmp.Compare(len(y), len(x)) }

func redactSecret(b []byte, secret string) []byte {
	m := matcher{b: b, secret: secret}
	var runs backslashRuns
	var out []byte // nil until the secret is found
	copied := 0
	// A match starts with the secret's first byte or with an escape.
	var starts [256]bool
	starts['%'], starts['\\'], starts[secret[0]] = true, true, true
	if secret[0] == ' ' {
		starts['+'] = true
	}
	for p := 0; p < len(b); {
		for p < len(b) && !starts[b[p]] {
			p++
		}
		if p == len(b) {
			break
		}
		var end int
		var ok bool
		if runs.escapedAt(b, p) {
			end, ok = m.matchAtEscaped(p)
		} else {
			end, ok = m.match(p, 0)
		}
		if !ok {
			p++
			continue
		}
		out = append(append(out, b[copied:p]...), redactedMark...)
		copied, p = end, end
		runs = backslashRuns{} // the mark ends in no backslash
	}
	if out == nil {
		return b
	}
	return append(out, b[copied:]...)
}

// backslashRuns follows, as the scan moves forward, whether an odd number
// of backslashes in a row ends at a position. A backslash after an odd run
// is the second half of an escaped backslash ("\\"): it starts no escape,
// and a match that read it as a backslash would leave the first half to
// escape the mark, which breaks the JSON. A backslash may be spelled "\", "%5C" or
// "%255C", and the text may be read as it is or percent-decoded once or
// twice, so a run is counted for each of those three readings: in the
// text as it is, only "\" is a backslash; decoded once, "%5C" is one too.
type backslashRuns struct {
	// ends holds, for positions just ahead, the runs a backslash seen ends
	// there; a slot is stale unless its pos is the one asked about, and
	// its zero value says "no run", right for every position not set.
	ends [8]struct {
		pos int
		odd [3]bool // by reading: as is, decoded once, decoded twice
	}
}

// escapedAt records the backslash that starts at p, if any, and reports
// whether it is escaped in every reading of the text it is a backslash in. It must be
// called at every '\' and '%' of the text, in order.
func (r *backslashRuns) escapedAt(b []byte, p int) bool {
	level, width, ok := backslashAt(b[p:])
	if !ok {
		return false
	}
	var odd [3]bool
	if slot := r.ends[p%len(r.ends)]; slot.pos == p {
		odd = slot.odd
	}
	slot := &r.ends[(p+width)%len(r.ends)]
	slot.pos = p + width
	escaped := true
	for reading := range odd {
		// In a reading that does not decode it, the spelling is no
		// backslash and ends the run.
		slot.odd[reading] = reading >= level && !odd[reading]
		if reading >= level {
			escaped = escaped && odd[reading]
		}
	}
	return escaped
}

// backslashAt reports whether b starts with a backslash, how many times it
// is percent-encoded, and its width.
func backslashAt(b []byte) (level, width int, ok bool) {
	switch {
	case len(b) >= 1 && b[0] == '\\':
		return 0, 1, true
	case len(b) >= 3 && bytes.EqualFold(b[:3], []byte("%5c")):
		return 1, 3, true
	case len(b) >= 5 && bytes.EqualFold(b[:5], []byte("%255c")):
		return 2, 5, true
	}
	return 0, 0, false
}

// matcher finds a secret in b, spelled in any mix of the encodings.
type matcher struct {
	b      []byte
	secret string
	// failed holds the (position, secret offset) pairs known not to match.
	// Only a '%' or a '\' of the secret can be read in two ways at one
	// position (as itself, or escaped), so only those are remembered:
	// enough to keep a secret full of them from costing exponential time.
	failed map[[2]int]bool
}

// match reports whether b, from p on, spells the secret from offset i on,
// and where that match ends.
func (m *matcher) match(p, i int) (end int, ok bool) {
	if i == len(m.secret) {
		return p, true
	}
	if m.failed[[2]int{p, i}] {
		return 0, false
	}
	var buf [4]reading
	for _, r := range readings(m.b[p:], buf[:0]) {
		if end, ok := m.matchReading(p, i, r); ok {
			return end, true
		}
	}
	if rest := m.secret[i:]; rest[0] == '%' || rest[0] == '\\' {
		if m.failed == nil {
			m.failed = map[[2]int]bool{}
		}
		m.failed[[2]int{p, i}] = true
	}
	return 0, false
}

// matchAtEscaped is match of the whole secret from an escaped backslash
// at p: only a reading that takes it for no backslash may start the
// secret there, such as the "%" of "%5C" read as itself.
func (m *matcher) matchAtEscaped(p int) (end int, ok bool) {
	var buf [4]reading
	for _, r := range readings(m.b[p:], buf[:0]) {
		if r.text != `\` && !r.escape {
			if end, ok := m.matchReading(p, 0, r); ok {
				return end, true
			}
		}
	}
	return 0, false
}

// matchReading reports whether reading r at p spells the secret from
// offset i on and the rest of the secret follows it, and where that match
// ends.
func (m *matcher) matchReading(p, i int, r reading) (end int, ok bool) {
	if rest := m.secret[i:]; len(r.text) <= len(rest) && rest[:len(r.text)] == r.text {
		return m.match(p+r.width, i+len(r.text))
	}
	return 0, false
}

// reading is one way to read the bytes at a position: as text, spanning
// width bytes.
type reading struct {
	text   string
	width  int
	escape bool // a JSON escape
}

// readings lists the ways to read the start of b as one character.
func readings(b []byte, out []reading) []reading {
	if len(b) == 0 {
		return out
	}
	out = append(out, reading{text: string(b[:1]), width: 1})
	switch b[0] {
	case '+':
		out = append(out, reading{text: " ", width: 1})
	case '%':
		if c, ok := unhex(b[1:]); ok {
			out = append(out, reading{text: string([]byte{c}), width: 3})
			switch {
			case c == '%': // encoded twice: %25XX
				if c2, ok := unhex(b[3:]); ok {
					out = append(out, reading{text: string([]byte{c2}), width: 5})
				}
			case c == '+': // a form's space, encoded again: %2B
				out = append(out, reading{text: " ", width: 3})
			}
		}
	}
	if r, width, ok := jsonEscape(b); ok {
		out = append(out, reading{text: r, width: width, escape: true})
	}
	return out
}

// unhex reads two hex digits, in either case.
func unhex(b []byte) (byte, bool) {
	if len(b) < 2 {
		return 0, false
	}
	hi, ok1 := hexDigit(b[0])
	lo, ok2 := hexDigit(b[1])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodedByte reads one byte as itself, percent-encoded (%XX) or encoded
// twice (%25XX); width is 0 at the end of b.
func decodedByte(b []byte) (c byte, width int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] != '%' {
		return b[0], 1
	}
	c, ok := unhex(b[1:])
	if !ok {
		return '%', 1
	}
	if c == '%' {
		if c2, ok := unhex(b[3:]); ok {
			return c2, 5
		}
	}
	return c, 3
}

// jsonEscape reads the JSON escape at the start of b, a surrogate pair
// included. Each byte of it may be percent-encoded: a JSON document sent
// in a form field reads "%5C%2F" for "\/".
func jsonEscape(b []byte) (text string, width int, ok bool) {
	backslash, w1 := decodedByte(b)
	if w1 == 0 || backslash != '\\' {
		return "", 0, false
	}
	if letter, w2 := decodedByte(b[w1:]); w2 > 0 {
		if i := strings.IndexByte(`"\/bfnrt`, letter); i >= 0 {
			return "\"\\/\b\f\n\r\t"[i : i+1], w1 + w2, true
		}
	}
	r1, n1, ok := jsonHex4(b)
	if !ok {
		return "", 0, false
	}
	if utf16.IsSurrogate(r1) {
		if r2, n2, ok := jsonHex4(b[n1:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return string(r), n1 + n2, true
			}
		}
	}
	return string(r1), n1, true
}

// jsonHex4 reads a \uXXXX escape, any byte of it percent-encoded.
func jsonHex4(b []byte) (r rune, width int, ok bool) {
	var c [6]byte
	for i := range c {
		var w int
		if c[i], w = decodedByte(b[width:]); w == 0 {
			return 0, 0, false
		}
		width += w
	}
	if c[0] != '\\' || c[1] != 'u' {
		return 0, 0, false
	}
	hi, ok1 := unhex(c[2:4])
	lo, ok2 := unhex(c[4:6])
	return rune(hi)<<8 | rune(lo), width, ok1 && ok2
}
