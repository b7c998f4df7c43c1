package webhook

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// maxNames bounds the parameter names an Invalid error lists.
const maxNames = 12

// Decoder reads the webhooks of one audience.
type Decoder struct {
	// ListID, when set, makes events of another audience ignored: their
	// members are not in the audience the plugin reads.
	ListID string
}

// Decode returns the member a webhook is about, as one item:
//
//	subscribe            add when the URL's action is add, else update
//	profile              update
//	upemail              update of the new address's member (the old one noted)
//	unsubscribe, cleaned update: the member's status changed, the hub refreshes it
//	campaign             ignored: not about a member
//
// A GET (Mailchimp's validation request, normally answered at the door)
// and events of unknown types or another audience are ignored with a
// reason. A POST without a type, or whose member has no valid address, is
// Invalid; the reason names parameters, never their values.
func (d Decoder) Decode(hook sdk.RawWebhook) ([]sdk.Item, error) {
	if hook.Method == "GET" && len(hook.Body) == 0 {
		return []sdk.Item{sdk.Ignore("", "Mailchimp's validation GET: no member")}, nil
	}
	form, err := readForm(hook)
	if err != nil {
		return nil, err
	}
	kind := form.Get("type")
	if kind == "" {
		return nil, sdk.Invalid("Mailchimp webhook has no type: want a form with type and data[…]; %s", describe(form))
	}
	if list := form.Get("data[list_id]"); d.ListID != "" && list != "" && list != d.ListID {
		return []sdk.Item{sdk.Ignore("", fmt.Sprintf("%s event of audience %s, not of the configured audience %s", kind, list, d.ListID))}, nil
	}

	switch kind {
	case "campaign":
		return []sdk.Item{sdk.Ignore("", "campaign event: about a campaign, not a member")}, nil
	case "upemail":
		item, err := member(form, "data[new_email]", sdk.ActionUpdate)
		if err != nil {
			return nil, err
		}
		if old := address(form.Get("data[old_email]")); old != "" {
			item.Notes = append(item.Notes, fmt.Sprintf("e-mail address changed from %s (member %s)", old, hash(old)))
		}
		return []sdk.Item{item}, nil
	case "subscribe":
		action := sdk.ActionUpdate
		if urlAction(hook.Query) == string(sdk.ActionAdd) {
			action = sdk.ActionAdd
		}
		item, err := member(form, "data[email]", action)
		return items(item, err)
	case "profile":
		item, err := member(form, "data[email]", sdk.ActionUpdate)
		return items(item, err)
	case "unsubscribe", "cleaned":
		item, err := member(form, "data[email]", sdk.ActionUpdate)
		if err == nil {
			note := kind
			if reason := form.Get("data[reason]"); reason != "" {
				note += " (reason: " + reason + ")"
			}
			item.Notes = append(item.Notes, "Mailchimp: "+note)
		}
		return items(item, err)
	default:
		return []sdk.Item{sdk.Ignore("", fmt.Sprintf("Mailchimp event type %q is not one this plugin reads", kind))}, nil
	}
}

func items(item sdk.Item, err error) ([]sdk.Item, error) {
	if err != nil {
		return nil, err
	}
	return []sdk.Item{item}, nil
}

// member names the member whose address is in param.
func member(form url.Values, param string, action sdk.Action) (sdk.Item, error) {
	email := address(form.Get(param))
	if email == "" {
		return sdk.Item{}, sdk.Invalid("Mailchimp %s event has no valid e-mail address in %s; %s", form.Get("type"), param, describe(form))
	}
	return sdk.Item{ContactID: hash(email), Email: email, Action: action}, nil
}

// urlAction is the action the hub's URL names (action or wpf_action).
func urlAction(query map[string][]string) string {
	for _, name := range []string{"action", "wpf_action"} {
		if v := query[name]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}

// hash is Mailchimp's subscriber hash: the MD5 of the lower-cased address.
func hash(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:])
}

// address returns the bare address in v, or "" when v holds none.
func address(v string) string {
	a, err := mail.ParseAddress(strings.TrimSpace(v))
	if err != nil {
		return ""
	}
	return a.Address
}

// readForm parses the body as a form; Mailchimp always sends one.
func readForm(hook sdk.RawWebhook) (url.Values, error) {
	if ct := hook.ContentType; ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, sdk.Invalid("Mailchimp webhook body is %q, want application/x-www-form-urlencoded", mt)
		}
	}
	if len(hook.Body) == 0 {
		return nil, sdk.Invalid("Mailchimp webhook has an empty body: want a form with type and data[…]")
	}
	form, err := url.ParseQuery(string(hook.Body))
	if err != nil {
		return nil, sdk.Invalid("Mailchimp webhook body is not a form (a bad %%-escape): %d bytes", len(hook.Body))
	}
	return form, nil
}

// describe lists the parameter names a form carried, never their values.
func describe(form url.Values) string {
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "the body carried no parameters"
	}
	more := ""
	if len(names) > maxNames {
		more = fmt.Sprintf(" and %d more", len(names)-maxNames)
		names = names[:maxNames]
	}
	return "the body carried " + strings.Join(names, ", ") + more
}
