package outbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// idParams are the parameter names read as the Subscriber ID, most trusted
// first: KlickTipp's default, then the names operators rename it to (WP
// Fusion's fallback contact_id among them). Names match in any case.
var idParams = []string{"SubscriberID", "subscriber_id", "contact_id", "id"}

// emailParams are the parameter names read as the contact's e-mail
// address. Names match in any case.
var emailParams = []string{"email", "EmailAddress", "email_address"}

// maxNamesListed bounds the parameter names an Invalid error lists.
const maxNamesListed = 12

// Decode names the contact a KlickTipp webhook is about. It reads the
// Subscriber ID from SubscriberID, subscriber_id, contact_id or id, and the
// e-mail address from email, EmailAddress or email_address, the names in
// any case. A request with a numeric Subscriber ID decodes to it (KlickTipp's test id 12345 too: it
// becomes "not found" when fetched); one with only an e-mail address
// decodes to that. Anything else is Invalid, with a reason that lists the
// parameter names the request carried but never their values.
func Decode(hook sdk.RawWebhook) (sdk.Item, error) {
	params, bodyErr := readParams(hook)

	var decoded sdk.Item
	if name, value, ok := params.first(idParams); ok {
		id, err := subscriberID(value)
		if err != nil {
			return sdk.Item{}, sdk.Invalid("KlickTipp webhook: parameter %s %s", quoteName(name), err)
		}
		decoded.ContactID = id
	}
	if _, value, ok := params.first(emailParams); ok {
		decoded.Email = address(value)
	}
	if decoded.ContactID != "" || decoded.Email != "" {
		return decoded, nil
	}

	reason := fmt.Sprintf("KlickTipp webhook names no contact: want a Subscriber ID (%s) or an e-mail address (%s)",
		strings.Join(idParams, ", "), strings.Join(emailParams, ", "))
	if bodyErr != nil {
		reason += "; " + bodyErr.Error()
	}
	return sdk.Item{}, sdk.Invalid("%s; %s", reason, params.describeNames())
}

// subscriberID checks that value is a KlickTipp id — a positive decimal
// number — and returns it without leading zeros. The error never quotes
// the value.
func subscriberID(value string) (string, error) {
	n, err := strconv.ParseUint(value, 10, 64)
	switch {
	case err != nil:
		return "", fmt.Errorf("is not a Subscriber ID: want digits only (%d characters received)", len(value))
	case n == 0:
		return "", errors.New("is 0, which is no Subscriber ID")
	}
	return strconv.FormatUint(n, 10), nil
}

// address returns the e-mail address in value, or "" when it holds none
// (an empty field, a placeholder KlickTipp did not fill).
func address(value string) string {
	a, err := mail.ParseAddress(value)
	if err != nil {
		return ""
	}
	return a.Address
}

// params holds a webhook's parameters in the order they were read: the
// body's first, then the query's.
type params []param

type param struct{ name, value string }

// first returns the first non-empty parameter among names, trying the
// names in order and matching them in any case.
func (ps params) first(names []string) (name, value string, ok bool) {
	for _, want := range names {
		for _, p := range ps {
			if strings.EqualFold(p.name, want) {
				if v := strings.TrimSpace(p.value); v != "" {
					return p.name, v, true
				}
			}
		}
	}
	return "", "", false
}

// describeNames lists the distinct parameter names, for an error message.
func (ps params) describeNames() string {
	var names []string
	for _, p := range ps {
		if q := quoteName(p.name); !slices.Contains(names, q) {
			names = append(names, q)
		}
	}
	switch {
	case len(names) == 0:
		return "the request carried no parameters"
	case len(names) > maxNamesListed:
		return fmt.Sprintf("the request carried parameters %s and %d more",
			strings.Join(names[:maxNamesListed], ", "), len(names)-maxNamesListed)
	}
	return "the request carried parameters " + strings.Join(names, ", ")
}

// quoteName makes a parameter name safe for a log line: short, printable.
func quoteName(name string) string {
	const limit = 40
	if len(name) > limit {
		name = strings.ToValidUTF8(name[:limit], "") + "…"
	}
	return strconv.Quote(name)
}

// readParams collects the parameters of the body and the query. A body that
// cannot be read is reported, but only matters when nothing names a contact.
func readParams(hook sdk.RawWebhook) (params, error) {
	var ps params
	var bodyErr error
	if body := bytes.TrimSpace(hook.Body); len(body) > 0 {
		if isJSON(hook.ContentType, body) {
			ps, bodyErr = jsonParams(body)
		} else {
			ps, bodyErr = formParams(body)
		}
	}
	for _, name := range sortedKeys(hook.Query) {
		for _, v := range hook.Query[name] {
			ps = append(ps, param{name, v})
		}
	}
	return ps, bodyErr
}

// isJSON decides how to read a body: as JSON when it is an object or its
// Content-Type says JSON, else as a form. A form never starts with "{", so
// a JSON body sent with a form's Content-Type is still read right.
func isJSON(contentType string, body []byte) bool {
	if body[0] == '{' {
		return true
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// formParams reads a form-encoded body, keeping the order of its fields.
// A field that cannot be unescaped is skipped and reported.
func formParams(body []byte) (params, error) {
	var ps params
	var err error
	for field := range strings.SplitSeq(string(body), "&") {
		rawName, rawValue, _ := strings.Cut(field, "=")
		name, nameErr := url.QueryUnescape(rawName)
		value, valueErr := url.QueryUnescape(rawValue)
		if nameErr != nil || valueErr != nil {
			err = errors.New("the form body has fields that are not URL-encoded")
			continue
		}
		if name != "" {
			ps = append(ps, param{name, value})
		}
	}
	return ps, err
}

// jsonParams reads the top-level scalars of a JSON object body; numbers
// are kept as written so that a large id keeps every digit.
func jsonParams(body []byte) (params, error) {
	var object map[string]json.RawMessage
	if err := json.Unmarshal(body, &object); err != nil {
		return nil, errors.New("the JSON body is not an object")
	}
	var ps params
	for _, name := range sortedKeys(object) {
		raw := bytes.TrimSpace(object[name])
		var s string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			ps = append(ps, param{name, s})
		case len(raw) > 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9'):
			ps = append(ps, param{name, string(raw)})
		default:
			ps = append(ps, param{name, ""}) // null, an object, a list: named but no value
		}
	}
	return ps, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
