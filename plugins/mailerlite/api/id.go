package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ID is a MailerLite id. MailerLite writes ids as strings of up to 18
// digits (beyond 2^53, so never through float64); classic accounts wrote
// numbers. Both read into the digits as written.
type ID string

// UnmarshalJSON reads a string or a number literal without converting it.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*id = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id is neither a string nor a number: %w", err)
		}
		*id = ID(n.String())
	}
	return nil
}

// FieldValue reads a field's value as text: a string as it is, null as
// "", a number or boolean as written.
func FieldValue(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return ""
	case raw[0] == '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	default:
		return string(raw)
	}
}
