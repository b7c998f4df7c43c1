// Package acmefake is a fake of the imaginary Acme CRM's JSON API over
// real HTTP (httptest), for the example plugin's tests. It answers as
// Acme's documentation would say: a Bearer API key, JSON errors of the
// shape {"error":{"code":…,"message":…}}, 429 with Retry-After when the
// rate limit is hit, and signed webhooks. Switches stall it (until the
// client gives up) and inject faults, so the plugin's error paths can be
// tested.
package acmefake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The account the fake holds.
const (
	AccountID     = "acc_4711"
	APIKey        = "acme_live_7Gq2pX9vTz"
	WebhookSecret = "whsec_c0ffee5eed"
)

// Contact is a contact of the fake account, as Acme's API writes it.
type Contact struct {
	ID     string            `json:"id"`
	Email  string            `json:"email"`
	Tags   []Tag             `json:"tags"`
	Fields map[string]string `json:"fields"`
}

// Tag is an Acme tag.
type Tag struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Field is an Acme contact field.
type Field struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Server is the fake Acme API. Its URL is the plugin's base_url.
type Server struct {
	*httptest.Server

	requests atomic.Int64

	mu         sync.Mutex
	contacts   map[string]Contact
	tags       []Tag
	fields     []Field
	limited    int           // requests still to answer 429
	retryAfter time.Duration // the Retry-After of those answers
	faults     []int         // statuses the next requests answer with, in order
	stalled    chan struct{} // non-nil while Stall holds requests
}

// New starts a fake holding Anna and Ben; Close it when done.
func New() *Server {
	s := &Server{
		contacts: map[string]Contact{},
		tags: []Tag{
			{ID: "t_1", Name: "Customer"}, {ID: "t_2", Name: "Newsletter"}, {ID: "t_3", Name: "VIP"},
		},
		fields: []Field{
			{ID: "first_name", Name: "First name"}, {ID: "last_name", Name: "Last name"}, {ID: "city", Name: "City"},
		},
	}
	for _, c := range []Contact{Anna, Ben} {
		s.contacts[c.ID] = clone(c)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/me", s.me)
	mux.HandleFunc("GET /v1/contacts/{id}", s.getContact)
	mux.HandleFunc("PATCH /v1/contacts/{id}", s.patchContact)
	mux.HandleFunc("GET /v1/contacts", s.findContact)
	mux.HandleFunc("GET /v1/tags", s.listTags)
	mux.HandleFunc("GET /v1/fields", s.listFields)
	s.Server = httptest.NewServer(s.gate(mux))
	return s
}

// Anna and Ben are the account's contacts.
var (
	Anna = Contact{ID: "c_1001", Email: "anna@example.com", Tags: []Tag{{ID: "t_1", Name: "Customer"}},
		Fields: map[string]string{"first_name": "Anna", "city": "Bremen"}}
	Ben = Contact{ID: "c_1002", Email: "ben@example.com", Tags: []Tag{},
		Fields: map[string]string{"first_name": "Ben"}}
)

// Requests counts the API requests served so far, refused ones included.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// RateLimit makes the next n requests answer 429 with Retry-After.
func (s *Server) RateLimit(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.retryAfter = n, retryAfter
}

// Fail makes the next requests answer these statuses, one each, with
// Acme's error body.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, statuses...)
}

// Stall makes every request hang until release is called or the client
// gives up (its request's context ends): an API that stopped answering.
func (s *Server) Stall() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gate := make(chan struct{})
	s.stalled = gate
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stalled == gate {
			close(gate)
			s.stalled = nil
		}
	}
}

// gate counts, stalls, rate-limits, injects faults and checks the API key
// before h serves a request.
func (s *Server) gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		stalled := s.stalled
		limited, after := s.limited > 0, s.retryAfter
		if limited {
			s.limited--
		}
		fault := 0
		if !limited && len(s.faults) > 0 {
			fault, s.faults = s.faults[0], s.faults[1:]
		}
		s.mu.Unlock()
		if stalled != nil {
			select {
			case <-stalled:
			case <-r.Context().Done(): // the client gave up: so does the fake
				return
			}
		}
		switch {
		case limited:
			w.Header().Set("Retry-After", strconv.Itoa(int(after.Seconds())))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests: slow down")
			return
		case fault != 0:
			writeError(w, fault, "server_error", http.StatusText(fault))
			return
		case r.Header.Get("Authorization") != "Bearer "+APIKey:
			writeError(w, http.StatusUnauthorized, "invalid_api_key", "The API key is not valid for any account")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"account_id": AccountID, "name": "Acme Demo Shop"})
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.contacts[r.PathValue("id")]
	c = clone(c)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "contact_not_found", "No contact with id "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) findContact(w http.ResponseWriter, r *http.Request) {
	email := r.URL.Query().Get("email")
	if email == "" {
		writeError(w, http.StatusBadRequest, "missing_parameter", "Give email")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := []Contact{}
	for _, id := range slices.Sorted(maps.Keys(s.contacts)) {
		if strings.EqualFold(s.contacts[id].Email, email) {
			found = append(found, clone(s.contacts[id]))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": found})
}

func (s *Server) patchContact(w http.ResponseWriter, r *http.Request) {
	var patch struct {
		Fields map[string]string `json:"fields"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&patch); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "The body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "contact_not_found", "No contact with id "+r.PathValue("id"))
		return
	}
	for id, v := range patch.Fields {
		if !slices.ContainsFunc(s.fields, func(f Field) bool { return f.ID == id }) {
			writeError(w, http.StatusUnprocessableEntity, "unknown_field", "No contact field "+id)
			return
		}
		c.Fields[id] = v
	}
	writeJSON(w, http.StatusOK, clone(c))
}

// listTags pages with ?limit and ?after, as Acme does.
func (s *Server) listTags(w http.ResponseWriter, r *http.Request) {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 || limit > 500 {
		writeError(w, http.StatusBadRequest, "invalid_limit", "limit must be 1 to 500")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if after := r.URL.Query().Get("after"); after != "" {
		start = slices.IndexFunc(s.tags, func(t Tag) bool { return t.ID == after }) + 1
	}
	page := s.tags[start:min(start+limit, len(s.tags))]
	next := ""
	if start+limit < len(s.tags) {
		next = page[len(page)-1].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": page, "next": next})
}

func (s *Server) listFields(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": s.fields})
}

// Webhook is a webhook Acme sends: a POST with the event in X-Acme-Event,
// the time in X-Acme-Timestamp and X-Acme-Signature over both.
type Webhook struct {
	Header map[string][]string
	Body   []byte
}

// Event is the body of an Acme webhook.
type Event struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Contacts  []Contact `json:"contacts"`
}

// NewWebhook builds the webhook Acme sends for an event of this type at
// sent, signed with secret. The header keys are spelled as Acme's docs
// spell them; the hub hands them to the plugin canonicalised.
func NewWebhook(eventType string, ev Event, sent time.Time, secret string) Webhook {
	body, _ := json.Marshal(ev)
	ts := strconv.FormatInt(sent.Unix(), 10)
	return Webhook{
		Header: map[string][]string{
			"Content-Type":     {"application/json"},
			"X-ACME-Event":     {eventType},
			"X-ACME-Timestamp": {ts},
			"X-ACME-Signature": {"v1=" + Sign(secret, ts, body)},
		},
		Body: body,
	}
}

// Sign is Acme's signature: hex HMAC-SHA256 of "<timestamp>.<body>" with
// the webhook secret.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%s.", timestamp)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client may be gone
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func clone(c Contact) Contact {
	c.Tags = slices.Clone(c.Tags)
	c.Fields = maps.Clone(c.Fields)
	return c
}
