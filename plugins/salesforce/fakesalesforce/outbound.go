package fakesalesforce

import (
	"bytes"
	"encoding/xml"
)

// Notification is one record of an Outbound Message built by
// OutboundMessage.
type Notification struct {
	// ID is the notification's id; Salesforce keeps it across redeliveries.
	ID string
	// Type is the sObject type; "" is Contact.
	Type string
	// RecordID is the record's 18-character id (sf:Id).
	RecordID string
	// Email and FirstName are sent when not empty, as when an administrator
	// picks those fields for the message.
	Email     string
	FirstName string
}

// OutboundMessage builds the SOAP body Salesforce POSTs for an Outbound
// Message of organization orgID and outbound message actionID, in the shape
// Salesforce sends: SessionId nil (no "Send Session ID"), the enterprise
// and partner URLs, and one Notification per record.
func OutboundMessage(orgID, actionID string, notes ...Notification) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n")
	b.WriteString(" <soapenv:Body>\n")
	b.WriteString(`  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">` + "\n")
	elem(&b, "   ", "OrganizationId", orgID)
	elem(&b, "   ", "ActionId", actionID)
	b.WriteString("   <SessionId xsi:nil=\"true\"/>\n")
	elem(&b, "   ", "EnterpriseUrl", "https://example.my.salesforce.com/services/Soap/c/60.0/"+prefix15(orgID))
	elem(&b, "   ", "PartnerUrl", "https://example.my.salesforce.com/services/Soap/u/60.0/"+prefix15(orgID))
	for _, n := range notes {
		typ := n.Type
		if typ == "" {
			typ = "Contact"
		}
		b.WriteString("   <Notification>\n")
		elem(&b, "    ", "Id", n.ID)
		b.WriteString(`    <sObject xsi:type="sf:` + typ + `" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` + "\n")
		elem(&b, "     ", "sf:Id", n.RecordID)
		if n.Email != "" {
			elem(&b, "     ", "sf:Email", n.Email)
		}
		if n.FirstName != "" {
			elem(&b, "     ", "sf:FirstName", n.FirstName)
		}
		b.WriteString("    </sObject>\n")
		b.WriteString("   </Notification>\n")
	}
	b.WriteString("  </notifications>\n")
	b.WriteString(" </soapenv:Body>\n")
	b.WriteString("</soapenv:Envelope>\n")
	return b.Bytes()
}

func elem(b *bytes.Buffer, indent, name, value string) {
	b.WriteString(indent + "<" + name + ">")
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">\n")
}

func prefix15(id string) string {
	if len(id) > 15 {
		return id[:15]
	}
	return id
}
