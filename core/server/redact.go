package server

import (
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
// a space, or JSON-escaped ("\/", "\u0026", …). Longer secrets go first,
// so one that contains another is removed whole.
func redactSecrets(b []byte, secrets []string) []byte {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(x, y string) int { return cmp.Compare(len(y), len(x)) })
	for _, s := range secrets {
		if s != "" {
			b = redactSecret(b, s)
		}
	}
	return b
}

func redactSecret(b []byte, secret string) []byte {
	m := matcher{b: b, secret: secret}
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
		end, ok := m.match(p, 0)
		if !ok {
			p++
			continue
		}
		out = append(append(out, b[copied:p]...), redactedMark...)
		copied, p = end, end
	}
	if out == nil {
		return b
	}
	return append(out, b[copied:]...)
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
	rest := m.secret[i:]
	var buf [4]reading
	for _, r := range readings(m.b[p:], buf[:0]) {
		if len(r.text) <= len(rest) && rest[:len(r.text)] == r.text {
			if end, ok := m.match(p+r.width, i+len(r.text)); ok {
				return end, true
			}
		}
	}
	if rest[0] == '%' || rest[0] == '\\' {
		if m.failed == nil {
			m.failed = map[[2]int]bool{}
		}
		m.failed[[2]int{p, i}] = true
	}
	return 0, false
}

// reading is one way to read the bytes at a position: as text, spanning
// width bytes.
type reading struct {
	text  string
	width int
}

// readings lists the ways to read the start of b as one character.
func readings(b []byte, out []reading) []reading {
	if len(b) == 0 {
		return out
	}
	out = append(out, reading{string(b[:1]), 1})
	switch b[0] {
	case '+':
		out = append(out, reading{" ", 1})
	case '%':
		if c, ok := unhex(b[1:]); ok {
			out = append(out, reading{string([]byte{c}), 3})
			switch {
			case c == '%': // encoded twice: %25XX
				if c2, ok := unhex(b[3:]); ok {
					out = append(out, reading{string([]byte{c2}), 5})
				}
			case c == '+': // a form's space, encoded again: %2B
				out = append(out, reading{" ", 3})
			}
		}
	case '\\':
		if r, width, ok := jsonEscape(b); ok {
			out = append(out, reading{r, width})
		}
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

// jsonEscape reads the JSON escape at the start of b, a surrogate pair
// included.
func jsonEscape(b []byte) (text string, width int, ok bool) {
	if len(b) < 2 {
		return "", 0, false
	}
	if i := strings.IndexByte(`"\/bfnrt`, b[1]); i >= 0 {
		return "\"\\/\b\f\n\r\t"[i : i+1], 2, true
	}
	r1, ok := jsonHex4(b)
	if !ok {
		return "", 0, false
	}
	if utf16.IsSurrogate(r1) {
		if r2, ok := jsonHex4(b[6:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return string(r), 12, true
			}
		}
	}
	return string(r1), 6, true
}

// jsonHex4 reads a \uXXXX escape.
func jsonHex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	hi, ok1 := unhex(b[2:4])
	lo, ok2 := unhex(b[4:6])
	return rune(hi)<<8 | rune(lo), ok1 && ok2
}
