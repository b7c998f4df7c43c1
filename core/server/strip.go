package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
)

// The strip functions read a webhook body's fields and return the body
// without the fields named in keyParams. Every other field is kept as it
// came, byte for byte where the format allows, so that a plugin reads the
// stored body as it would have read the one sent.

// stripForm reads a form body field by field, as the plugins do: a field
// that cannot be unescaped is kept as it is and costs only itself, so a
// malformed body is stored for its plugin to reject with its reason.
func stripForm(body []byte) (url.Values, []byte) {
	params := url.Values{}
	fields := strings.Split(string(body), "&")
	kept := make([]string, 0, len(fields))
	for _, field := range fields {
		rawName, rawValue, _ := strings.Cut(field, "=")
		name, err := url.QueryUnescape(rawName)
		if err == nil && isKeyParam(name) {
			// Dropped even when its value is malformed: it is still the key.
			if value, err := url.QueryUnescape(rawValue); err == nil {
				params.Add(name, value)
			}
			continue
		}
		kept = append(kept, field)
		if value, valueErr := url.QueryUnescape(rawValue); err == nil && valueErr == nil && name != "" {
			params.Add(name, value)
		}
	}
	if len(kept) == len(fields) {
		return params, body
	}
	return params, []byte(strings.Join(kept, "&"))
}

// stripJSON reads the top-level string fields of a JSON object body. It
// cuts the key's members out of the text rather than encoding the object
// again, so the other members keep their order, spacing and escapes.
// ok is false when the body is no JSON object.
func stripJSON(body []byte) (params url.Values, stripped []byte, ok bool) {
	if !json.Valid(body) {
		return nil, body, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, body, false
	}
	params = url.Values{}
	// members holds each member's text: from the end of the one before
	// (so with its leading comma) to the end of its value.
	type member struct {
		start, end int64
		key        bool
	}
	var members []member
	for start := dec.InputOffset(); dec.More(); start = dec.InputOffset() {
		tok, err := dec.Token()
		name, isName := tok.(string)
		var value json.RawMessage
		if err != nil || !isName || dec.Decode(&value) != nil {
			return nil, body, false // cannot happen: the body is valid JSON
		}
		var s string
		if json.Unmarshal(value, &s) == nil {
			params.Set(name, s) // the last of a repeated name wins, as in encoding/json
		}
		members = append(members, member{start, dec.InputOffset(), isKeyParam(name)})
	}
	if !slices.ContainsFunc(members, func(m member) bool { return m.key }) {
		return params, body, true
	}
	tail := members[len(members)-1].end
	out := slices.Clone(body[:members[0].start])
	first := true
	for _, m := range members {
		if m.key {
			continue
		}
		text := body[m.start:m.end]
		if first && m.start != members[0].start {
			// The first member left now leads with a comma it no longer needs.
			i := bytes.IndexByte(text, ',')
			text = append(slices.Clone(text[:i]), text[i+1:]...)
		}
		out = append(out, text...)
		first = false
	}
	return params, append(out, body[tail:]...), true
}

// stripMultipart reads the form fields of a multipart/form-data body and
// writes it again without the key's parts; the other parts keep their
// headers and their content. ok is false when the body cannot be read
// that way.
func stripMultipart(body []byte, boundary string) (params url.Values, stripped []byte, ok bool) {
	var out bytes.Buffer
	w := multipart.NewWriter(&out)
	if boundary == "" || w.SetBoundary(boundary) != nil {
		return nil, body, false
	}
	params = url.Values{}
	removed := false
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := r.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, body, false
		}
		content, err := io.ReadAll(part)
		if err != nil {
			return nil, body, false
		}
		name := part.FormName()
		if name != "" && part.FileName() == "" {
			params.Add(name, string(content))
		}
		if isKeyParam(name) {
			removed = true
			continue
		}
		pw, err := w.CreatePart(part.Header)
		if err != nil {
			return nil, body, false
		}
		_, _ = pw.Write(content) // a bytes.Buffer does not fail
	}
	if !removed {
		return params, body, true
	}
	if err := w.Close(); err != nil {
		return nil, body, false
	}
	return params, out.Bytes(), true
}

func isKeyParam(name string) bool { return slices.Contains(keyParams, name) }
