package outbound

import (
	"bytes"
	"encoding/xml"
	"net/http"

	"github.com/crmhub/crmhub/sdk"
)

// ack is the acknowledgement Salesforce needs to stop sending a message,
// byte for byte as WP Fusion sends it.
const ack = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><notificationsResponse xmlns:ns2="urn:sobject.enterprise.soap.sforce.com" xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soap:Body></soap:Envelope>`

// Ack is the hub's answer to an accepted message: 200 text/xml with
// <Ack>true</Ack>, which covers every notification in it.
func Ack() sdk.Answer {
	return sdk.Answer{Status: http.StatusOK, ContentType: contentType, Body: []byte(ack)}
}

const contentType = "text/xml; charset=utf-8"

// Fault is a SOAP 1.1 fault blamed on the sender (soapenv:Client), with
// status, which must be a 4xx. Salesforce logs the fault string in its
// outbound message queue, where an administrator sees it.
func Fault(status int, reason string) sdk.Answer {
	var text bytes.Buffer
	_ = xml.EscapeText(&text, []byte(reason))
	body := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>soapenv:Client</faultcode><faultstring>` + text.String() + `</faultstring>` +
		`</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
	return sdk.Answer{Status: status, ContentType: contentType, Body: []byte(body)}
}
