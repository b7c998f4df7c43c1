package testplugin

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// decode reads contact_id and email from the query, a form body or a JSON
// object body.
func decode(hook sdk.RawWebhook) (sdk.Item, error) {
	values := url.Values(hook.Query)
	if values == nil {
		values = url.Values{}
	}
	switch {
	case strings.HasPrefix(hook.ContentType, "application/json"):
		var body map[string]string
		if err := json.Unmarshal(hook.Body, &body); err != nil {
			return sdk.Item{}, sdk.Invalid("body is not a JSON object of strings: %v", err)
		}
		for k, v := range body {
			values.Set(k, v)
		}
	case len(hook.Body) > 0:
		form, err := url.ParseQuery(string(hook.Body))
		if err != nil {
			return sdk.Item{}, sdk.Invalid("body is not a form: %v", err)
		}
		for k, v := range form {
			values[k] = v
		}
	}
	d := sdk.Item{ContactID: values.Get("contact_id"), Email: values.Get("email")}
	if d.ContactID == "" && d.Email == "" {
		return d, sdk.Invalid("the request has neither contact_id nor email")
	}
	return d, nil
}
