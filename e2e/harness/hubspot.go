package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
)

// The private app every fake HubSpot answers to, and its client secret,
// with which HubSpot signs the app's webhooks.
const (
	HubSpotToken        = "pat-na1-e2e-token"
	HubSpotClientSecret = "e2e-client-secret"
)

// HubSpot is a fake HubSpot API for hubs to talk to. Seed contacts and
// lists, inject faults and read the calls through the embedded fake.
type HubSpot struct {
	*fakehubspot.Server
}

// StartHubSpot starts a fake HubSpot API on loopback that takes
// HubSpotToken. Close it when done.
func StartHubSpot() *HubSpot {
	return &HubSpot{Server: fakehubspot.New(HubSpotToken)}
}

// CRM is the hubspot CRM's config section for plugin: this fake, webhooks
// signed with HubSpotClientSecret (unsigned workflow webhooks taken), the
// contact's names mapped.
func (h *HubSpot) CRM(plugin string) CRM {
	return CRM{
		Plugin: plugin,
		Settings: map[string]string{
			"base_url": h.URL, "access_token": HubSpotToken, "client_secret": HubSpotClientSecret,
			"allow_unsigned_workflows": "true",
		},
		Fields: map[string]string{"first_name": "firstname", "last_name": "lastname"},
	}
}

// HubSpotEvent is one event of a Webhooks-API request, as HubSpot sends
// it (ids as JSON numbers).
func HubSpotEvent(eventID int64, subscriptionType string, objectID int64) map[string]any {
	return map[string]any{
		"eventId": eventID, "subscriptionId": 4071, "portalId": 62515, "appId": 1160452,
		"occurredAt": time.Now().UnixMilli(), "subscriptionType": subscriptionType,
		"attemptNumber": 0, "objectId": objectID, "changeSource": "CRM",
	}
}

// HubSpotWorkflow is a workflow webhook's body: one contact in HubSpot's
// legacy shape (vid, properties.email.value).
func HubSpotWorkflow(vid int64, email string) []byte {
	body, _ := json.Marshal(map[string]any{
		"vid": vid, "canonical-vid": vid, "portal-id": 62515, "is-contact": true,
		"properties": map[string]any{"email": map[string]any{"value": email}},
	})
	return body
}

// HubSpotRequest builds a POST of body to /hooks/hubspot of the hub with
// query (the hub's access key added), as HubSpot sends it; sign, when not
// nil, signs it over the exact URL (e.g. with fakehubspot.SignV3).
func (h *Hub) HubSpotRequest(ctx context.Context, query url.Values, body []byte, sign func(header http.Header, url string)) (*http.Request, error) {
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	q.Set("access_key", h.Config.AccessKey)
	target := h.URL + "/hooks/hubspot?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build HubSpot webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)")
	if sign != nil {
		sign(req.Header, target)
	}
	return req, nil
}

// SignedV3 signs a HubSpot request as HubSpot does, at time at, with
// secret: the v3 signature over method, the exact URL, body and timestamp.
func SignedV3(secret string, body []byte, at time.Time) func(http.Header, string) {
	return func(header http.Header, target string) {
		fakehubspot.SignV3(header, secret, http.MethodPost, target, body, at)
	}
}
