package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Hook is one webhook request, as a CRM sends it.
type Hook struct {
	// CRM names the endpoint, /hooks/<CRM>.
	CRM string
	// Action and Key are the action and access_key query parameters
	// (left out when empty); Params holds more (role,
	// send_notification, wait).
	Action string
	Key    string
	Params url.Values
	// Form is the body, form-encoded as KlickTipp sends it.
	Form url.Values
}

// Hook returns a webhook to the klicktipp endpoint with the hub's key.
func (h *Hub) Hook(action string, form url.Values) Hook {
	return Hook{CRM: "klicktipp", Action: action, Key: h.Config.AccessKey, Form: form}
}

// With returns the hook with one more query parameter.
func (k Hook) With(param, value string) Hook {
	params := url.Values{}
	for p, vs := range k.Params {
		params[p] = append([]string(nil), vs...)
	}
	params.Set(param, value)
	k.Params = params
	return k
}

// Path is the hook's path and query.
func (k Hook) Path() string {
	q := url.Values{}
	for p, vs := range k.Params {
		q[p] = vs
	}
	if k.Action != "" {
		q.Set("action", k.Action)
	}
	if k.Key != "" {
		q.Set("access_key", k.Key)
	}
	return "/hooks/" + k.CRM + "?" + q.Encode()
}

// Request builds the POST of the hook to the server at base.
func (k Hook) Request(ctx context.Context, base string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+k.Path(), strings.NewReader(k.Form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// Reply is an HTTP answer of the hub.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode reads the body as JSON into v.
func (r Reply) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("answer %d is not the JSON expected: %w: %s", r.Status, err, r.Body)
	}
	return nil
}

// Outcome reads the body as an event's outcome (docs/http.md): what a webhook
// is answered, and what the admin API says of an event.
func (r Reply) Outcome() (Outcome, error) {
	var o Outcome
	err := r.Decode(&o)
	return o, err
}

// Outcome is an event as the hub reports it.
type Outcome struct {
	ID            string `json:"id"`
	CRM           string `json:"crm"`
	Action        string `json:"action"`
	ContactID     string `json:"contact_id"`
	Status        string `json:"status"`
	Outcome       string `json:"outcome"`
	UserID        string `json:"user_id"`
	Message       string `json:"message"`
	CoalescedInto string `json:"coalesced_into"`
	// RequestID names an item row's request; Items lists a request's
	// items when it has several.
	RequestID string    `json:"request_id"`
	Items     []Outcome `json:"items"`
}

// Send posts a webhook to the hub.
func (h *Hub) Send(ctx context.Context, k Hook) (Reply, error) {
	req, err := k.Request(ctx, h.URL)
	if err != nil {
		return Reply{}, err
	}
	return h.do(req)
}

// Get fetches a path of the hub, e.g. /healthz.
func (h *Hub) Get(ctx context.Context, path string) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+path, nil)
	if err != nil {
		return Reply{}, fmt.Errorf("build request: %w", err)
	}
	return h.do(req)
}

// API calls the admin API (/api/v1/…) with the hub's bearer token.
func (h *Hub) API(ctx context.Context, method, path string) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.URL+"/api/v1"+path, nil)
	if err != nil {
		return Reply{}, fmt.Errorf("build admin request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.Config.AdminToken)
	return h.do(req)
}

// Do sends any request to the hub, e.g. a webhook with its own method
// and headers.
func (h *Hub) Do(req *http.Request) (Reply, error) { return h.do(req) }

func (h *Hub) do(req *http.Request) (Reply, error) {
	resp, err := h.client.Do(req)
	if err != nil {
		return Reply{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Reply{}, fmt.Errorf("%s %s: read answer: %w", req.Method, req.URL.Path, err)
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// User is a user as the admin API shows it (docs/openapi.yaml).
type User struct {
	ID        string            `json:"id"`
	Username  string            `json:"username"`
	Email     string            `json:"email"`
	Role      string            `json:"role"`
	FirstName string            `json:"first_name"`
	LastName  string            `json:"last_name"`
	Fields    map[string]string `json:"fields"`
	Contacts  []Contact         `json:"contacts"`
	Tags      []Tag             `json:"tags"`
}

// Contact is a user's link to a CRM contact.
type Contact struct {
	CRM       string `json:"crm"`
	ContactID string `json:"contact_id"`
}

// Tag is a tag a CRM put on a user.
type Tag struct {
	CRM  string `json:"crm"`
	ID   string `json:"id"`
	Name string `json:"name"`
}
