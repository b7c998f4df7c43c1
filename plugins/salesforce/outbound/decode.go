package outbound

import (
	"fmt"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// Decode turns a stored Outbound Message into one item per record, in the
// order they first appear: notifications about the same record (one
// message may repeat a record) become one item naming every notification.
// The item carries the record's id and, when the message was set to send
// it, its e-mail address; never its other fields, which the message may
// leave out: the hub fetches the contact.
//
// Records that are not Contacts are ignored with a reason; a record
// without an id, and a notification without a record, too. The action is the URL's: a message has no event type.
func Decode(hook sdk.RawWebhook) ([]sdk.Item, error) {
	msg, err := Parse(hook.Body)
	if err != nil {
		return nil, sdk.Invalid("read the Salesforce Outbound Message: %w", err)
	}
	if len(msg.Notifications) == 0 {
		return nil, sdk.Invalid("the Salesforce Outbound Message has no notifications")
	}
	items := make([]sdk.Item, 0, len(msg.Notifications))
	byRecord := make(map[string]int, len(msg.Notifications))
	for _, n := range msg.Notifications {
		id := n.RecordID()
		note := fmt.Sprintf("Salesforce notification %s (outbound message action %s)", n.ID, msg.ActionID)
		if n.Problem != "" {
			items = append(items, sdk.Item{Action: sdk.ActionIgnore, Reason: n.Problem, Notes: []string{note}})
			continue
		}
		if i, seen := byRecord[n.Type+" "+id]; seen && id != "" {
			items[i].Notes = append(items[i].Notes, note)
			if items[i].Email == "" && n.Type == "Contact" {
				items[i].Email = n.Fields["Email"]
			}
			continue
		}
		var item sdk.Item
		switch {
		case id == "":
			item = sdk.Ignore("", fmt.Sprintf("notification %s names a %s record without an Id", n.ID, typeName(n.Type)))
		case n.Type != "Contact":
			item = sdk.Ignore(id, fmt.Sprintf("the record is a %s, not a Contact: the Salesforce plugin reads Contacts only", typeName(n.Type)))
		default:
			item = sdk.Item{ContactID: id, Email: n.Fields["Email"]}
		}
		item.Notes = []string{note}
		byRecord[n.Type+" "+id] = len(items)
		items = append(items, item)
	}
	return items, nil
}

func typeName(t string) string {
	if strings.TrimSpace(t) == "" {
		return "untyped"
	}
	return t
}
