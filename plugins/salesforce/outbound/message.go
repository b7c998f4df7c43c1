package outbound

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// MaxBody bounds the body read. Salesforce sends at most 100 notifications
// of one record each; a megabyte per record is far more than any carries.
const MaxBody = 16 << 20

// MaxNotifications is the most notifications Salesforce puts in one
// message (the WSDL's maxOccurs).
const MaxNotifications = 100

const (
	soapNS     = "http://schemas.xmlsoap.org/soap/envelope/"
	outboundNS = "http://soap.sforce.com/2005/09/outbound"
	xsiNS      = "http://www.w3.org/2001/XMLSchema-instance"
)

// Message is one Outbound Message as Salesforce sends it.
type Message struct {
	OrganizationID string
	ActionID       string
	// SessionID is empty unless the message was set to send one; the hub
	// never uses it (it has its own credentials).
	SessionID     string
	Notifications []Notification
}

// Notification is one record the message is about.
type Notification struct {
	// ID is the notification's own id, the same on every redelivery.
	ID string
	// Type is the record's sObject type, e.g. "Contact" or "Lead".
	Type string
	// Fields holds the record's fields the message was set to send, by API
	// name (e.g. "Id", "Email"); a field sent as nil is "".
	Fields map[string]string
	// Problem, when set, says why the notification names no record (it has
	// no sObject); the message's other notifications still count.
	Problem string
}

// RecordID is the record's id (the sObject's Id field).
func (n Notification) RecordID() string { return n.Fields["Id"] }

type envelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Notifications *notifications `xml:"http://soap.sforce.com/2005/09/outbound notifications"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type notifications struct {
	OrganizationID string         `xml:"http://soap.sforce.com/2005/09/outbound OrganizationId"`
	ActionID       string         `xml:"http://soap.sforce.com/2005/09/outbound ActionId"`
	SessionID      string         `xml:"http://soap.sforce.com/2005/09/outbound SessionId"`
	Notification   []notification `xml:"http://soap.sforce.com/2005/09/outbound Notification"`
}

type notification struct {
	ID      string   `xml:"http://soap.sforce.com/2005/09/outbound Id"`
	SObject *sObject `xml:"http://soap.sforce.com/2005/09/outbound sObject"`
}

type sObject struct {
	Type   string  `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	Fields []field `xml:",any"`
}

type field struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
	// Inner catches a compound field's parts (an address), which the hub
	// does not read.
	Inner []byte `xml:",innerxml"`
}

// Parse reads an Outbound Message. It fails for a body that is not one:
// not XML, not a SOAP envelope, no notifications element, or more than
// MaxNotifications. A notification without a record is kept with its
// Problem: one bad notification must not cost the message's others.
func Parse(body []byte) (Message, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Message{}, errors.New("the body is empty, not a SOAP Outbound Message")
	}
	if len(body) > MaxBody {
		return Message{}, fmt.Errorf("the body has %d bytes, more than the %d an Outbound Message can have", len(body), MaxBody)
	}
	var env envelope
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return Message{}, fmt.Errorf("the body is not a SOAP envelope: %w", err)
	}
	n := env.Body.Notifications
	if n == nil {
		return Message{}, errors.New("the SOAP body has no notifications element of " + outboundNS + ": not an Outbound Message")
	}
	if len(n.Notification) > MaxNotifications {
		return Message{}, fmt.Errorf("the message has %d notifications; Salesforce sends at most %d", len(n.Notification), MaxNotifications)
	}
	msg := Message{
		OrganizationID: strings.TrimSpace(n.OrganizationID),
		ActionID:       strings.TrimSpace(n.ActionID),
		SessionID:      strings.TrimSpace(n.SessionID),
		Notifications:  make([]Notification, 0, len(n.Notification)),
	}
	for i, raw := range n.Notification {
		if raw.SObject == nil {
			msg.Notifications = append(msg.Notifications, Notification{ID: strings.TrimSpace(raw.ID),
				Problem: fmt.Sprintf("notification %d of %d has no sObject", i+1, len(n.Notification))})
			continue
		}
		note := Notification{
			ID:     strings.TrimSpace(raw.ID),
			Type:   localName(raw.SObject.Type),
			Fields: make(map[string]string, len(raw.SObject.Fields)),
		}
		for _, f := range raw.SObject.Fields {
			if bytes.ContainsRune(f.Inner, '<') {
				continue // a compound field; its parts come as fields of their own
			}
			note.Fields[f.XMLName.Local] = strings.TrimSpace(f.Value)
		}
		msg.Notifications = append(msg.Notifications, note)
	}
	return msg, nil
}

// localName drops a QName's prefix: xsi:type="sf:Contact" → "Contact".
func localName(qname string) string {
	qname = strings.TrimSpace(qname)
	if _, local, ok := strings.Cut(qname, ":"); ok {
		return local
	}
	return qname
}
