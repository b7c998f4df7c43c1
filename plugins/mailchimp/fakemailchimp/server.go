package fakemailchimp

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ConnectionLimit is Mailchimp's limit of simultaneous connections per key.
const ConnectionLimit = 10

// Server is a running fake Mailchimp API holding one audience.
type Server struct {
	// URL is the API root, like https://us6.api.mailchimp.com/3.0.
	URL string

	apiKey, listID string
	http           *httptest.Server

	mu      sync.Mutex
	fields  []MergeField
	tags    map[int]string
	members map[string]*Member // by subscriber hash
	nextTag int

	inFlight, maxInFlight atomic.Int64
	calls                 atomic.Int64
	faults                faults
	stall                 atomic.Pointer[chan struct{}]
}

// MergeField is a merge field of the audience; Type "address" holds an
// object of addr1, addr2, city, state, zip, country.
type MergeField struct {
	Tag, Name, Type string
}

// Member is an audience member. MergeFields holds plain fields by tag and
// address parts as "TAG.part"; Tags holds tag (segment) ids.
type Member struct {
	Email       string
	Status      string // subscribed by default
	MergeFields map[string]string
	Tags        []int
}

// Hash is Mailchimp's subscriber hash of an address.
func Hash(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:])
}

// New starts a fake that accepts apiKey for audience listID, with the
// merge fields every audience has (FNAME, LNAME, ADDRESS, PHONE).
func New(apiKey, listID string) *Server {
	s := &Server{apiKey: apiKey, listID: listID, tags: map[int]string{}, members: map[string]*Member{}, nextTag: 2000}
	s.fields = []MergeField{{"FNAME", "First Name", "text"}, {"LNAME", "Last Name", "text"},
		{"ADDRESS", "Address", "address"}, {"PHONE", "Phone Number", "phone"}}
	mux := http.NewServeMux()
	list := "/3.0/lists/{list}"
	mux.HandleFunc("GET "+list, s.getList)
	mux.HandleFunc("GET "+list+"/members/{hash}", s.getMember)
	mux.HandleFunc("PATCH "+list+"/members/{hash}", s.patchMember)
	mux.HandleFunc("GET "+list+"/segments", s.listSegments)
	mux.HandleFunc("GET "+list+"/merge-fields", s.listMergeFields)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Resource Not Found", "The requested resource could not be found.")
	})
	s.http = httptest.NewServer(s.serve(mux))
	s.URL = s.http.URL + "/3.0"
	return s
}

// Close shuts the server down, releasing any stall first.
func (s *Server) Close() {
	if ch := s.stall.Swap(nil); ch != nil {
		close(*ch)
	}
	s.http.Close()
}

// AddMergeField adds a merge field.
func (s *Server) AddMergeField(f MergeField) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fields = append(s.fields, f)
}

// AddTag adds a tag (static segment) and returns its id.
func (s *Server) AddTag(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextTag++
	s.tags[s.nextTag] = name
	return s.nextTag
}

// AddMember adds or replaces a member and returns its subscriber hash.
func (s *Server) AddMember(m Member) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Status == "" {
		m.Status = "subscribed"
	}
	fields := map[string]string{}
	for k, v := range m.MergeFields {
		fields[k] = v
	}
	m.MergeFields = fields
	m.Tags = slices.Clone(m.Tags)
	h := Hash(m.Email)
	s.members[h] = &m
	return h
}

// Member returns a copy of the member with this hash.
func (s *Server) Member(hash string) (Member, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.members[hash]
	if !ok {
		return Member{}, false
	}
	c := *m
	c.MergeFields = map[string]string{}
	for k, v := range m.MergeFields {
		c.MergeFields[k] = v
	}
	return c, true
}

// Calls counts the requests the fake received, refused ones included.
func (s *Server) Calls() int { return int(s.calls.Load()) }

// InFlight is the number of requests being answered now.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// MaxInFlight is the most requests that were ever answered at once.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

// Stall holds every call (after it counts as in flight) until release is
// called or the client gives up.
func (s *Server) Stall() (release func()) {
	ch := make(chan struct{})
	s.stall.Store(&ch)
	var once sync.Once
	return func() {
		once.Do(func() {
			if s.stall.CompareAndSwap(&ch, nil) {
				close(ch)
			}
		})
	}
}

// serve counts the connection, enforces the limit, checks the key and
// applies faults before the API answers.
func (s *Server) serve(api http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxInFlight.Load()
			if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		if n > ConnectionLimit {
			problem(w, http.StatusTooManyRequests, "Too Many Requests",
				fmt.Sprintf("You have exceeded the limit of %d simultaneous connections.", ConnectionLimit))
			return
		}
		if ch := s.stall.Load(); ch != nil {
			select {
			case <-*ch:
			case <-r.Context().Done():
				return
			}
		}
		if f, ok := s.faults.take(r.Method + " " + r.URL.Path); ok {
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			if f.Status != 0 {
				f.write(w)
				return
			}
		}
		if _, key, ok := r.BasicAuth(); !ok || key != s.apiKey {
			problem(w, http.StatusUnauthorized, "API Key Invalid",
				"Your API key may be invalid, or you've attempted to access the wrong datacenter.")
			return
		}
		api.ServeHTTP(w, r)
	}
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":  "https://mailchimp.com/developer/marketing/docs/errors/",
		"title": title, "status": status, "detail": detail,
		"instance": "2b1c7ad7-5a5e-4d9b-8e6c-0f0c3f0e9a11",
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// audience answers 404 for another list id and reports whether it did not.
func (s *Server) audience(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("list") != s.listID {
		problem(w, http.StatusNotFound, "Resource Not Found", "The requested resource could not be found.")
		return false
	}
	return true
}

func (s *Server) getList(w http.ResponseWriter, r *http.Request) {
	if s.audience(w, r) {
		writeJSON(w, map[string]any{"id": s.listID, "name": "Fake audience"})
	}
}

// member finds the member by hash (or by address, as Mailchimp allows).
func (s *Server) member(r *http.Request) (string, *Member) {
	h := r.PathValue("hash")
	if strings.Contains(h, "@") {
		h = Hash(h)
	}
	return h, s.members[strings.ToLower(h)]
}

func (s *Server) memberJSON(hash string, m *Member) map[string]any {
	merge := map[string]any{}
	for _, f := range s.fields {
		if f.Type == "address" {
			addr := map[string]string{}
			for _, p := range []string{"addr1", "addr2", "city", "state", "zip", "country"} {
				addr[p] = m.MergeFields[f.Tag+"."+p]
			}
			merge[f.Tag] = addr
			continue
		}
		v := m.MergeFields[f.Tag]
		if f.Type == "number" {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				merge[f.Tag] = n
				continue
			}
		}
		merge[f.Tag] = v
	}
	tags := []map[string]any{}
	for _, id := range m.Tags {
		tags = append(tags, map[string]any{"id": id, "name": s.tags[id]})
	}
	return map[string]any{
		"id": hash, "email_address": m.Email, "unique_email_id": hash[:10], "web_id": 123456,
		"status": m.Status, "merge_fields": merge, "tags_count": len(tags), "tags": tags, "list_id": s.listID,
	}
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	if !s.audience(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, m := s.member(r)
	if m == nil {
		problem(w, http.StatusNotFound, "Resource Not Found", "The requested resource could not be found.")
		return
	}
	writeJSON(w, s.memberJSON(h, m))
}

func (s *Server) patchMember(w http.ResponseWriter, r *http.Request) {
	if !s.audience(w, r) {
		return
	}
	var body struct {
		MergeFields map[string]json.RawMessage `json:"merge_fields"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(b, &body); err != nil {
		problem(w, http.StatusBadRequest, "JSON Parse Exception", "We encountered an unspecified JSON parsing error.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, m := s.member(r)
	if m == nil {
		problem(w, http.StatusNotFound, "Resource Not Found", "The requested resource could not be found.")
		return
	}
	for tag, raw := range body.MergeFields {
		i := slices.IndexFunc(s.fields, func(f MergeField) bool { return f.Tag == tag })
		if i < 0 {
			problem(w, http.StatusBadRequest, "Invalid Resource", "Your merge fields were invalid.")
			return
		}
		if s.fields[i].Type == "address" {
			var addr map[string]string
			if err := json.Unmarshal(raw, &addr); err != nil {
				problem(w, http.StatusBadRequest, "Invalid Resource", "Your merge fields were invalid.")
				return
			}
			for p, v := range addr {
				m.MergeFields[tag+"."+p] = v
			}
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			v = string(raw)
		}
		m.MergeFields[tag] = v
	}
	writeJSON(w, s.memberJSON(h, m))
}

// page reads count (default 10, at most 1000) and offset.
func page(r *http.Request) (count, offset int) {
	count, offset = 10, 0
	if n, err := strconv.Atoi(r.URL.Query().Get("count")); err == nil && n > 0 {
		count = min(n, 1000)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && n > 0 {
		offset = n
	}
	return count, offset
}

func window[T any](all []T, count, offset int) []T {
	if offset >= len(all) {
		return []T{}
	}
	return all[offset:min(len(all), offset+count)]
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	if !s.audience(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.tags))
	for id := range s.tags {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	all := []map[string]any{}
	for _, id := range ids {
		all = append(all, map[string]any{"id": id, "name": s.tags[id], "member_count": 0, "type": "static", "list_id": s.listID})
	}
	count, offset := page(r)
	writeJSON(w, map[string]any{"segments": window(all, count, offset), "total_items": len(all), "list_id": s.listID})
}

func (s *Server) listMergeFields(w http.ResponseWriter, r *http.Request) {
	if !s.audience(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []map[string]any{}
	for i, f := range s.fields {
		all = append(all, map[string]any{"merge_id": i + 1, "tag": f.Tag, "name": f.Name, "type": f.Type, "list_id": s.listID})
	}
	count, offset := page(r)
	writeJSON(w, map[string]any{"merge_fields": window(all, count, offset), "total_items": len(all), "list_id": s.listID})
}
