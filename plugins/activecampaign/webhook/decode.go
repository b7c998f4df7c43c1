package webhook

import (
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// Decode reads one ActiveCampaign webhook into the item it is about.
//
// The contact is always fetched (the item carries no Contact): the
// payload's tags are names joined by ", " and its custom fields are values
// without field ids, while this plugin names tags and fields by
// ActiveCampaign's ids (stable across renames), so the payload is neither
// complete nor in the plugin's terms.
//
// A request without a type (an automation's webhook step) takes the URL's
// action. A request that names no contact is Invalid, unless its event is
// ignored anyway (a deal or an account event carries no contact).
func Decode(hook sdk.RawWebhook) ([]sdk.Item, error) {
	form, err := readForm(hook)
	if err != nil {
		return nil, err
	}
	event := strings.TrimSpace(form.Get("type"))
	action, reason := actionFor(event, urlAction(hook.Query))

	id := strings.TrimSpace(form.Get("contact[id]"))
	if id != "" && !isDigits(id) {
		return nil, sdk.Invalid("ActiveCampaign webhook: contact[id] is not a contact id: want digits (%d characters received)", len(id))
	}
	email := address(form.Get("contact[email]"))
	if action == sdk.ActionIgnore {
		return []sdk.Item{{ContactID: id, Email: email, Action: sdk.ActionIgnore, Reason: reason}}, nil
	}
	if id == "" && email == "" {
		return nil, sdk.Invalid("ActiveCampaign webhook%s names no contact: want contact[id] or contact[email]; %s",
			eventNote(event), describeKeys(form))
	}
	item := sdk.Item{ContactID: id, Email: email, Action: action}
	if event != "" {
		item.Notes = []string{"ActiveCampaign event " + event}
	}
	return []sdk.Item{item}, nil
}

// readForm parses the body as a form. ActiveCampaign sends
// application/x-www-form-urlencoded; a request with another content type
// but a form body is read too, since some proxies drop the header.
func readForm(hook sdk.RawWebhook) (url.Values, error) {
	if len(strings.TrimSpace(string(hook.Body))) == 0 {
		return nil, sdk.Invalid("ActiveCampaign webhook has an empty body: want the form ActiveCampaign posts (contact[id]=…)")
	}
	if ct := hook.ContentType; ct != "" {
		mediaType, _, err := mime.ParseMediaType(ct)
		if err == nil && (mediaType == "application/json" || mediaType == "multipart/form-data") {
			return nil, sdk.Invalid("ActiveCampaign webhook has content type %s: want the form-encoded body ActiveCampaign posts", mediaType)
		}
	}
	form, err := url.ParseQuery(string(hook.Body))
	if err != nil {
		return nil, sdk.Invalid("ActiveCampaign webhook body is not form-encoded: %v", err)
	}
	return form, nil
}

// urlAction is the action the hook's URL names (action, or WP Fusion's
// wpf_action).
func urlAction(query map[string][]string) sdk.Action {
	for _, key := range []string{"action", "wpf_action"} {
		if v := query[key]; len(v) > 0 && v[0] != "" {
			return sdk.Action(v[0])
		}
	}
	return sdk.ActionDefault
}

// address returns the e-mail address in value, or "".
func address(value string) string {
	a, err := mail.ParseAddress(strings.TrimSpace(value))
	if err != nil {
		return ""
	}
	return a.Address
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func eventNote(event string) string {
	if event == "" {
		return ""
	}
	return fmt.Sprintf(" (event %q)", clip(event))
}

// describeKeys lists the form's keys, never their values, so an operator
// can see what arrived without the request's personal data.
func describeKeys(form url.Values) string {
	if len(form) == 0 {
		return "the body held no form keys"
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, clip(k))
	}
	if len(keys) > 12 {
		keys = append(keys[:12], "…")
	}
	return "keys received: " + strings.Join(sortStrings(keys), ", ")
}

func clip(s string) string {
	if len(s) > 60 {
		s = strings.ToValidUTF8(s[:60], "") + "…"
	}
	return fmt.Sprintf("%q", s)[1 : len(fmt.Sprintf("%q", s))-1]
}
