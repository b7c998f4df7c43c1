package harness

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
)

// The connected app every fake Salesforce org knows (client credentials
// flow).
const (
	SalesforceClientID     = "3MVG9e2e.client"
	SalesforceClientSecret = "e2e-consumer-secret"
)

// Salesforce is a fake Salesforce org for hubs to talk to. Seed contacts
// and topics, inject faults and read the calls through the embedded fake.
type Salesforce struct {
	*fakesalesforce.Server
}

// StartSalesforce starts a fake org on loopback with the connected app
// SalesforceClientID. Close it when done.
func StartSalesforce() *Salesforce {
	fake := fakesalesforce.New()
	fake.AddClient(SalesforceClientID, SalesforceClientSecret)
	return &Salesforce{Server: fake}
}

// CRM is the salesforce CRM's config section for plugin: this org, its
// topics as tags, the Contact's names mapped.
func (s *Salesforce) CRM(plugin string) CRM {
	return CRM{
		Plugin: plugin,
		Settings: map[string]string{
			"login_url": s.URL, "client_id": SalesforceClientID, "client_secret": SalesforceClientSecret,
			"organization_id": s.OrgID,
		},
		Fields: map[string]string{"first_name": "FirstName", "last_name": "LastName"},
	}
}

// SalesforceRequest builds the POST of an Outbound Message body (see
// fakesalesforce.OutboundMessage) to /hooks/salesforce of the hub with
// query (the hub's access key added), as Salesforce sends it.
func (h *Hub) SalesforceRequest(ctx context.Context, query url.Values, body []byte) (*http.Request, error) {
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	q.Set("access_key", h.Config.AccessKey)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+"/hooks/salesforce?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build Salesforce outbound message: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	req.Header.Set("User-Agent", "Jakarta Commons-HttpClient/3.1")
	return req, nil
}
