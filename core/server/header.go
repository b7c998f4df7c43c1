package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// headerJSON is json.Marshal(h), as a webhook's header is stored. Headers
// are nearly always printable ASCII that JSON takes as written, and such a
// header is written here directly: json.Marshal reflects on the map, a
// cost every webhook paid. Any other header goes through json.Marshal.
func headerJSON(h http.Header) string {
	if h == nil || !plainHeader(h) { // json.Marshal writes a nil map as null
		b, _ := json.Marshal(h) // a map of string slices always encodes
		return string(b)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range slices.Sorted(maps.Keys(h)) {
		if i > 0 {
			b.WriteByte(',')
		}
		quote(&b, name)
		b.WriteByte(':')
		values := h[name]
		if values == nil {
			b.WriteString("null")
			continue
		}
		b.WriteByte('[')
		for j, v := range values {
			if j > 0 {
				b.WriteByte(',')
			}
			quote(&b, v)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// plainHeader reports whether every name and value in h is plainJSON.
func plainHeader(h http.Header) bool {
	for name, values := range h {
		if !plainJSON(name) || slices.ContainsFunc(values, func(v string) bool { return !plainJSON(v) }) {
			return false
		}
	}
	return true
}

// plainJSON reports whether json.Marshal writes s as it is, between
// quotes: printable ASCII but for the quote, the backslash and the three
// characters it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
