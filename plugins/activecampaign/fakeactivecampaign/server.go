package fakeactivecampaign

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running fake ActiveCampaign account.
type Server struct {
	// URL is the account's API URL, to configure the plugin with (base_url).
	URL string

	token string
	http  *httptest.Server
	mux   *http.ServeMux

	mu       sync.Mutex
	contacts map[string]*Contact
	tags     map[string]string // id → name
	fields   map[string]string // id → title
	lastID   int
	limit    rateLimit

	faultsMu sync.Mutex
	faults   []*pending
	stall    atomic.Pointer[chan struct{}]
	callsMu  sync.Mutex
	calls    []Call
}

// Contact is a contact of the fake account.
type Contact struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Phone     string
	// Fields maps custom field ids to values.
	Fields map[string]string
	// Tags are the contact's tag ids.
	Tags    []string
	Deleted bool
}

// rateLimit is ActiveCampaign's per-account request limit: Limit calls per
// Window, then 429 with Retry-After until the window ends.
type rateLimit struct {
	Limit      int
	Window     time.Duration
	RetryAfter time.Duration
	start      time.Time
	used       int
}

// New starts a fake account that accepts token as its Api-Token, with the
// documented limit of 5 requests a second. Close it when done.
func New(token string) *Server {
	s := &Server{
		token:    token,
		contacts: map[string]*Contact{},
		tags:     map[string]string{},
		fields:   map[string]string{},
		lastID:   100,
		limit:    rateLimit{Limit: 5, Window: time.Second, RetryAfter: 30 * time.Second},
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /api/3/contacts/{id}", s.getContact)
	s.mux.HandleFunc("PUT /api/3/contacts/{id}", s.updateContact)
	s.mux.HandleFunc("GET /api/3/contacts", s.findContacts)
	s.mux.HandleFunc("GET /api/3/tags", s.listTags)
	s.mux.HandleFunc("GET /api/3/fields", s.listFields)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// SetRateLimit sets how many calls a window allows and the Retry-After a
// 429 names; limit 0 turns the limit off (for suites that make many calls
// in a row, such as sdktest). A long window makes the limit easy to hit in
// a spec without timing.
func (s *Server) SetRateLimit(limit int, window, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = rateLimit{Limit: limit, Window: window, RetryAfter: retryAfter}
}

// AddTag adds a contact tag and returns its id.
func (s *Server) AddTag(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(len(s.tags) + 1)
	s.tags[id] = name
	return id
}

// AddField adds a custom contact field and returns its id.
func (s *Server) AddField(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(len(s.fields) + 1)
	s.fields[id] = title
	return id
}

// AddContact adds c (given an id when it has none) and returns its id.
func (s *Server) AddContact(c Contact) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		s.lastID++
		c.ID = strconv.Itoa(s.lastID)
	}
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	s.contacts[c.ID] = &c
	return c.ID
}

// SetTags replaces a contact's tag ids.
func (s *Server) SetTags(id string, tags ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts[id].Tags = tags
}

// SetField sets a contact's custom field.
func (s *Server) SetField(id, field, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts[id].Fields[field] = value
}

// Delete marks a contact deleted: ActiveCampaign then still answers it,
// with the address deleted+<id>@example.com.
func (s *Server) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts[id].Deleted = true
}

// Contact returns a copy of a contact as the fake holds it.
func (s *Server) Contact(id string) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[id]
	if !ok {
		return Contact{}, false
	}
	out := *c
	out.Fields = make(map[string]string, len(c.Fields))
	for k, v := range c.Fields {
		out.Fields[k] = v
	}
	out.Tags = append([]string(nil), c.Tags...)
	return out, true
}

// serve answers one request: stall, faults, the Api-Token, the rate limit,
// then the API.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	defer func() {
		s.callsMu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Status: rec.status, Header: r.Header.Clone(), Body: string(body)})
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
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Api-Token")), []byte(s.token)) != 1 {
		writeJSON(rec, http.StatusForbidden, map[string]string{"message": "Forbidden"})
		return
	}
	if !s.admit(rec) {
		return
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	s.mux.ServeHTTP(rec, r)
}

// admit counts a call against the rate limit and sets the RateLimit
// headers; over the limit it answers 429.
func (s *Server) admit(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.limit
	if l.Limit <= 0 {
		return true
	}
	now := time.Now()
	if now.Sub(l.start) >= l.Window {
		l.start, l.used = now, 0
	}
	w.Header().Set("RateLimit-Limit", strconv.Itoa(l.Limit))
	if l.used >= l.Limit {
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(l.RetryAfter.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Requests"})
		return false
	}
	l.used++
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(l.Limit-l.used))
	return true
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[r.PathValue("id")]
	if !ok {
		notFound(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, s.contactJSON(c))
}

// contactJSON renders a contact with its sideloads, as GET
// /api/3/contacts/{id} does: every id a string.
func (s *Server) contactJSON(c *Contact) map[string]any {
	email, first, last := c.Email, c.FirstName, c.LastName
	if c.Deleted {
		email, first, last = "deleted+"+c.ID+"@example.com", "", ""
	}
	fieldValues := []map[string]any{}
	for _, field := range sortedKeys(c.Fields) {
		fieldValues = append(fieldValues, map[string]any{"contact": c.ID, "field": field, "value": c.Fields[field],
			"id": c.ID + field, "links": map[string]string{}})
	}
	contactTags := []map[string]any{}
	for i, tag := range c.Tags {
		contactTags = append(contactTags, map[string]any{"contact": c.ID, "tag": tag, "id": strconv.Itoa(i + 1)})
	}
	return map[string]any{
		"contactAutomations": []any{}, "contactLists": []any{},
		"fieldValues": fieldValues, "contactTags": contactTags,
		"contact": map[string]any{"id": c.ID, "email": email, "firstName": first, "lastName": last,
			"phone": c.Phone, "cdate": "2023-07-01T06:49:04-05:00", "links": map[string]string{}},
	}
}

func (s *Server) findContacts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	email := r.URL.Query().Get("email")
	found := []map[string]any{}
	for _, id := range sortedKeys(s.contacts) {
		c := s.contacts[id]
		if email == "" || strings.EqualFold(c.Email, email) && !c.Deleted {
			found = append(found, map[string]any{"id": c.ID, "email": c.Email, "firstName": c.FirstName})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"scoreValues": []any{}, "contacts": found,
		"meta": map[string]any{"total": strconv.Itoa(len(found)), "page_input": map[string]any{}}})
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Contact struct {
			Email       *string `json:"email"`
			FirstName   *string `json:"firstName"`
			LastName    *string `json:"lastName"`
			Phone       *string `json:"phone"`
			FieldValues []struct {
				Field string `json:"field"`
				Value string `json:"value"`
			} `json:"fieldValues"`
		} `json:"contact"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": []map[string]string{
			{"title": "The request body is not valid JSON", "detail": "", "code": "invalid"}}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[r.PathValue("id")]
	if !ok {
		notFound(w, r.PathValue("id"))
		return
	}
	for _, fv := range in.Contact.FieldValues {
		if _, known := s.fields[fv.Field]; !known {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": []map[string]string{
				{"title": "Field does not exist", "detail": "", "code": "field_missing", "source": "fieldValues"}}})
			return
		}
	}
	for _, fv := range in.Contact.FieldValues {
		c.Fields[fv.Field] = fv.Value
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Email, in.Contact.Email)
	set(&c.FirstName, in.Contact.FirstName)
	set(&c.LastName, in.Contact.LastName)
	set(&c.Phone, in.Contact.Phone)
	writeJSON(w, http.StatusOK, s.contactJSON(c))
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	page := []map[string]any{}
	ids := sortedIDs(s.tags)
	for _, id := range pageOf(r, ids) {
		page = append(page, map[string]any{"id": id, "tag": s.tags[id], "tagType": "contact", "description": ""})
	}
	writeJSON(w, http.StatusOK, map[string]any{"tags": page, "meta": map[string]any{"total": strconv.Itoa(len(ids))}})
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	page := []map[string]any{}
	ids := sortedIDs(s.fields)
	for _, id := range pageOf(r, ids) {
		page = append(page, map[string]any{"id": id, "title": s.fields[id], "type": "text",
			"perstag": strings.ToUpper(strings.ReplaceAll(s.fields[id], " ", "_"))})
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": page, "fieldOptions": []any{}, "fieldRels": []any{},
		"meta": map[string]any{"total": strconv.Itoa(len(ids))}})
}

// pageOf cuts ids by the limit (default 20, at most 100) and offset
// parameters, as ActiveCampaign pages its lists.
func pageOf(r *http.Request, ids []string) []string {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 {
		limit = 20
	}
	limit = min(limit, 100)
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	if offset < 0 || offset >= len(ids) {
		return nil
	}
	return ids[offset:min(offset+limit, len(ids))]
}

func notFound(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "No Result found for Subscriber with id " + id})
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedIDs orders numeric ids by value.
func sortedIDs(m map[string]string) []string {
	ids := sortedKeys(m)
	sort.Slice(ids, func(i, j int) bool {
		if len(ids[i]) != len(ids[j]) {
			return len(ids[i]) < len(ids[j])
		}
		return ids[i] < ids[j]
	})
	return ids
}
