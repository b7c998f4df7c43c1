package testplugin

import (
	"net/url"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// items turns the decoded webhook d into its items: one per id of a
// comma-separated contact_id ("1,2,3"), each ignored when the query says
// action_for_<id>=ignore or given that action otherwise.
func items(hook sdk.RawWebhook, d sdk.Item) []sdk.Item {
	query := url.Values(hook.Query)
	ids := strings.Split(d.ContactID, ",")
	out := make([]sdk.Item, 0, len(ids))
	for _, id := range ids {
		it := d
		if len(ids) > 1 {
			it = sdk.Item{ContactID: strings.TrimSpace(id)}
		}
		switch action := sdk.Action(query.Get("action_for_" + it.ContactID)); action {
		case sdk.ActionDefault:
		case sdk.ActionIgnore:
			it = sdk.Ignore(it.ContactID, "the webhook said to ignore contact "+it.ContactID)
		default:
			it.Action = action
		}
		out = append(out, it)
	}
	return out
}
