package outbound

import (
	"net/http"

	"github.com/crmhub/crmhub/plugins/salesforce/sfid"
	"github.com/crmhub/crmhub/sdk"
)

// Check judges a request at the door, before the hub stores it: a message
// from the organization orgID is accepted; a body that is not an Outbound
// Message, or one without an ActionId (as ASP.NET's receiver demands), is
// refused with a fault and 400; a message from another organization with a
// fault and 403. Organization ids compare on their first 15 characters,
// case-sensitively, so the 15- and 18-character forms match.
func Check(orgID string, body []byte) sdk.Verdict {
	msg, err := Parse(body)
	switch {
	case err != nil:
		return sdk.RejectWith(Fault(http.StatusBadRequest, "not a Salesforce Outbound Message"), "not an outbound message: %v", err)
	case len(msg.Notifications) == 0:
		return sdk.RejectWith(Fault(http.StatusBadRequest, "the message has no notifications"), "outbound message without notifications")
	case msg.OrganizationID == "":
		return sdk.RejectWith(Fault(http.StatusBadRequest, "the message has no OrganizationId"), "outbound message without OrganizationId")
	case msg.ActionID == "":
		return sdk.RejectWith(Fault(http.StatusBadRequest, "the message has no ActionId"), "outbound message without ActionId")
	case !sfid.Same(msg.OrganizationID, orgID):
		return sdk.RejectWith(Fault(http.StatusForbidden, "messages from this organization are not accepted"),
			"outbound message from another organization")
	}
	return sdk.Accept()
}
