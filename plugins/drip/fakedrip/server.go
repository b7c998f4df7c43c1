package fakedrip

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const rateLimitBody = `{"message":"API rate limit exceeded. Please try again in an hour.","documentation":"https://developer.drip.com/#rate-limiting"}`

// Server is a running fake Drip account.
type Server struct {
	// URL is the API root, to configure the plugin with (base_url).
	URL string
	// AccountID is the account's id, as in its API paths.
	AccountID string

	token string
	http  *httptest.Server
	mux   *http.ServeMux

	mu          sync.Mutex
	subscribers map[string]*Subscriber
	tags        []string
	fields      []string
	limit       rateLimit

	faultsMu sync.Mutex
	faults   []*pending
	stall    atomic.Pointer[chan struct{}]
	callsMu  sync.Mutex
	calls    []Call
}

// Subscriber is a subscriber of the fake account.
type Subscriber struct {
	ID     string
	Email  string
	Status string
	// Attributes holds standard attributes, e.g. first_name.
	Attributes   map[string]string
	CustomFields map[string]string
	Tags         []string
}

type rateLimit struct {
	limit  int
	window time.Duration
	start  time.Time
	used   int
}

// New starts a fake account that accepts token, with Drip's limit of
// 3,600 requests an hour. Close it when done.
func New(accountID, token string) *Server {
	s := &Server{
		AccountID:   accountID,
		token:       token,
		subscribers: map[string]*Subscriber{},
		limit:       rateLimit{limit: 3600, window: time.Hour},
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /v2/{account}/subscribers/{idOrEmail}", s.account(s.getSubscriber))
	s.mux.HandleFunc("POST /v2/{account}/subscribers", s.account(s.upsertSubscribers))
	s.mux.HandleFunc("GET /v2/{account}/tags", s.account(s.listTags))
	s.mux.HandleFunc("GET /v2/{account}/custom_field_identifiers", s.account(s.listFields))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeErrors(w, http.StatusNotFound, "not_found_error", "The resource you requested was not found")
	})
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// SetRateLimit sets how many calls a window allows; limit 0 turns the
// limit off. A small limit over a long window is easy to reach in a spec.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = rateLimit{limit: limit, window: window}
}

// AddTag adds a tag name to the account.
func (s *Server) AddTag(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addTag(name)
}

func (s *Server) addTag(name string) {
	if !slices.Contains(s.tags, name) {
		s.tags = append(s.tags, name)
	}
}

// AddCustomField adds a custom field identifier to the account.
func (s *Server) AddCustomField(identifier string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addField(identifier)
}

func (s *Server) addField(identifier string) {
	if !slices.Contains(s.fields, identifier) {
		s.fields = append(s.fields, identifier)
	}
}

// AddSubscriber adds sub (given an id when it has none; its tags and
// custom fields join the account's) and returns its id.
func (s *Server) AddSubscriber(sub Subscriber) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.ID == "" {
		sub.ID = newID()
	}
	if sub.Status == "" {
		sub.Status = "active"
	}
	if sub.Attributes == nil {
		sub.Attributes = map[string]string{}
	}
	if sub.CustomFields == nil {
		sub.CustomFields = map[string]string{}
	}
	for _, t := range sub.Tags {
		s.addTag(t)
	}
	for f := range sub.CustomFields {
		s.addField(f)
	}
	s.subscribers[sub.ID] = &sub
	return sub.ID
}

// newID makes an id like Drip's: 20 lower-case letters and digits.
func newID() string {
	return strings.ToLower(rand.Text()[:20])
}

// SetTags replaces a subscriber's tags.
func (s *Server) SetTags(id string, tags ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tags {
		s.addTag(t)
	}
	s.subscribers[id].Tags = tags
}

// SetCustomField sets a subscriber's custom field.
func (s *Server) SetCustomField(id, field, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addField(field)
	s.subscribers[id].CustomFields[field] = value
}

// Subscriber returns a copy of a subscriber as the fake holds it.
func (s *Server) Subscriber(id string) (Subscriber, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return Subscriber{}, false
	}
	out := *sub
	out.Attributes, out.CustomFields = clone(sub.Attributes), clone(sub.CustomFields)
	out.Tags = slices.Clone(sub.Tags)
	return out, true
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// serve answers one request: stall, faults, the rate limit, Basic auth,
// then the API.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	defer func() {
		s.callsMu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Status: rec.status,
			Header: r.Header.Clone(), Body: string(body)})
		s.callsMu.Unlock()
	}()
	if stall := s.stall.Load(); stall != nil {
		select {
		case <-*stall:
		case <-r.Context().Done():
			return
		}
	}
	if f, ok := s.takeFault(r.Method + " " + r.URL.Path); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.Status != 0 {
			f.write(rec)
			return
		}
	}
	if !s.admit(rec) {
		return
	}
	user, password, ok := r.BasicAuth()
	if !ok || password != "" || subtle.ConstantTimeCompare([]byte(user), []byte(s.token)) != 1 {
		writeErrors(rec, http.StatusUnauthorized, "authentication_error", "The credentials you provided are invalid")
		return
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	s.mux.ServeHTTP(rec, r)
}

// admit counts a call against the hourly limit and sets the X-RateLimit
// headers; over the limit it answers 429 without Retry-After.
func (s *Server) admit(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.limit
	if l.limit <= 0 {
		return true
	}
	now := time.Now()
	if now.Sub(l.start) >= l.window {
		l.start, l.used = now, 0
	}
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	if l.used >= l.limit {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, rateLimitBody)
		return false
	}
	l.used++
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(l.limit-l.used))
	return true
}

// account answers 403 authorization_error for another account's path.
func (s *Server) account(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("account") != s.AccountID {
			writeErrors(w, http.StatusForbidden, "authorization_error", "You are not authorized to access this resource")
			return
		}
		next(w, r)
	}
}

// find returns the subscriber with this id or e-mail address.
func (s *Server) find(idOrEmail string) *Subscriber {
	if sub, ok := s.subscribers[idOrEmail]; ok {
		return sub
	}
	for _, sub := range s.subscribers {
		if strings.EqualFold(sub.Email, idOrEmail) {
			return sub
		}
	}
	return nil
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.find(r.PathValue("idOrEmail"))
	if sub == nil {
		writeErrors(w, http.StatusNotFound, "not_found_error", "The resource you requested was not found")
		return
	}
	writeJSON(w, http.StatusOK, s.subscribersJSON(sub))
}

func (s *Server) subscribersJSON(subs ...*Subscriber) map[string]any {
	list := make([]map[string]any, 0, len(subs))
	for _, sub := range subs {
		list = append(list, SubscriberJSON(*sub, s.AccountID))
	}
	return map[string]any{"links": map[string]string{"subscribers.account": "https://api.getdrip.com/v2/accounts/{subscribers.account}"},
		"subscribers": list}
}

// SubscriberJSON renders a subscriber as Drip's API and webhooks write
// it: every standard attribute present (null when unset), custom fields,
// tag names.
func SubscriberJSON(sub Subscriber, accountID string) map[string]any {
	out := map[string]any{
		"id": sub.ID, "status": sub.Status, "email": sub.Email,
		"custom_fields": orEmpty(sub.CustomFields), "tags": orNone(sub.Tags),
		"time_zone": "America/Los_Angeles", "utc_offset": -440, "created_at": "2013-06-21T10:31:58Z",
		"ip_address": "123.123.123.123", "user_agent": "Mozilla/5.0", "lifetime_value": nil,
		"original_referrer": nil, "landing_url": nil, "prospect": nil, "base_lead_score": 30, "lead_score": nil,
		"user_id": nil, "href": "https://api.getdrip.com/v2/" + accountID + "/subscribers/" + sub.ID,
		"links": map[string]string{"account": accountID},
	}
	for _, name := range []string{"first_name", "last_name", "phone", "address1", "address2", "city", "state", "zip", "country"} {
		if v, ok := sub.Attributes[name]; ok {
			out[name] = v
		} else {
			out[name] = nil
		}
	}
	return out
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// upsertSubscribers is Drip's create-or-update: a subscriber named by id
// must exist (an unknown id is 404 not_found_error: inferred, Drip's
// documentation names the call "create or update" by e-mail); one named
// by e-mail alone is created when new.
func (s *Server) upsertSubscribers(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Subscribers []map[string]json.RawMessage `json:"subscribers"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Subscribers) != 1 {
		writeErrors(w, http.StatusUnprocessableEntity, "validation_error", "The request must carry one subscriber")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := in.Subscribers[0]
	str := func(key string) (string, bool) {
		v, ok := raw[key]
		if !ok {
			return "", false
		}
		var out string
		_ = json.Unmarshal(v, &out)
		return out, true
	}
	id, _ := str("id")
	email, _ := str("email")
	var sub *Subscriber
	switch {
	case id != "":
		if sub = s.subscribers[id]; sub == nil {
			writeErrors(w, http.StatusNotFound, "not_found_error", "The resource you requested was not found")
			return
		}
	case email != "":
		if sub = s.find(email); sub == nil {
			sub = &Subscriber{ID: newID(), Email: email, Status: "active", Attributes: map[string]string{}, CustomFields: map[string]string{}}
			s.subscribers[sub.ID] = sub
		}
	default:
		writeErrors(w, http.StatusUnprocessableEntity, "presence_error", "Email is required")
		return
	}
	if v, ok := str("new_email"); ok && v != "" {
		sub.Email = v
	}
	for _, name := range []string{"first_name", "last_name", "phone", "address1", "address2", "city", "state", "zip", "country"} {
		if v, ok := str(name); ok {
			sub.Attributes[name] = v
		}
	}
	if v, ok := raw["custom_fields"]; ok {
		var fields map[string]string
		if err := json.Unmarshal(v, &fields); err != nil {
			writeErrors(w, http.StatusUnprocessableEntity, "validation_error", "custom_fields must be an object of strings")
			return
		}
		for name, value := range fields {
			s.addField(name)
			sub.CustomFields[name] = value
		}
	}
	writeJSON(w, http.StatusOK, s.subscribersJSON(sub))
}

func (s *Server) listTags(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags := slices.Clone(s.tags)
	sort.Strings(tags)
	writeJSON(w, http.StatusOK, map[string]any{"tags": orNone(tags)})
}

func (s *Server) listFields(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fields := slices.Clone(s.fields)
	sort.Strings(fields)
	writeJSON(w, http.StatusOK, map[string]any{"custom_field_identifiers": orNone(fields)})
}

func writeErrors(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": message}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
