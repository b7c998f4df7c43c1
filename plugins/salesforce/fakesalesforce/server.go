package fakesalesforce

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmhub/crmhub/plugins/salesforce/sfid"
)

// DefaultOrgID is the organization New creates, in its 18-character form.
const DefaultOrgID = "00Dn00000008y2tEAA"

// Server is a fake Salesforce org over real HTTP.
type Server struct {
	// URL is the server's root: the login URL and the instance URL alike.
	URL string
	// OrgID is the organization's 18-character id.
	OrgID string

	srv *httptest.Server

	mu          sync.Mutex
	pageSize    int
	clients     map[string]string // connected app client id → secret
	sessions    map[string]bool   // access token → live
	tokens      int
	contacts    map[string]map[string]any // 18-char id → fields, "Id" included
	contactIDs  []string                  // in creation order
	topics      map[string]string         // topic id → name
	topicIDs    []string
	assignments map[string][]string // contact id → topic ids
	fields      []Field
	pages       map[string][]record // query locator → records left
	used, limit int
	faults      []*Fault
	calls       []Call
	stall       chan struct{} // non-nil: answers wait until it is closed
	seq         int
}

// Field is a Contact field as describe reports it.
type Field struct {
	Name  string
	Label string
	// Type is Salesforce's field type, e.g. "string", "email", "boolean",
	// "multipicklist"; "" is "string".
	Type string
	// Picklist lists a picklist's values.
	Picklist []string
}

// Call is one request the fake answered.
type Call struct {
	Method string
	// Path is the URL path, e.g. /services/data/v60.0/sobjects/Contact/003….
	Path string
	// Query is the SOQL of a query call, decoded.
	Query  string
	Status int
}

// New starts a fake org with the standard Contact fields and a generous
// API limit. Close it when done.
func New() *Server {
	s := &Server{
		OrgID:       DefaultOrgID,
		pageSize:    2000,
		clients:     map[string]string{},
		sessions:    map[string]bool{},
		contacts:    map[string]map[string]any{},
		topics:      map[string]string{},
		assignments: map[string][]string{},
		pages:       map[string][]record{},
		limit:       100000,
		fields: []Field{
			{Name: "Id", Label: "Contact ID", Type: "id"},
			{Name: "FirstName", Label: "First Name"},
			{Name: "LastName", Label: "Last Name"},
			{Name: "Email", Label: "Email", Type: "email"},
			{Name: "HasOptedOutOfEmail", Label: "Email Opt Out", Type: "boolean"},
		},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server; a stall in progress is released.
func (s *Server) Close() {
	s.mu.Lock()
	if s.stall != nil {
		close(s.stall)
		s.stall = nil
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetPageSize sets how many records one query answer holds (Salesforce:
// 2000 by default).
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = max(n, 1)
}

// AddClient registers a connected app with the client credentials flow
// enabled.
func (s *Server) AddClient(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id] = secret
}

// AddField adds a Contact field to describe's answer; fields of added
// contacts are added as plain strings without it.
func (s *Server) AddField(f Field) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addField(f)
}

func (s *Server) addField(f Field) {
	if f.Type == "" {
		f.Type = "string"
	}
	if f.Label == "" {
		f.Label = f.Name
	}
	if i := slices.IndexFunc(s.fields, func(g Field) bool { return g.Name == f.Name }); i >= 0 {
		s.fields[i] = f
		return
	}
	s.fields = append(s.fields, f)
}

// AddTopic creates a topic and returns its id.
func (s *Server) AddTopic(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addTopic(name)
}

func (s *Server) addTopic(name string) string {
	for id, n := range s.topics {
		if n == name {
			return id
		}
	}
	id := s.newID("0TO")
	s.topics[id] = name
	s.topicIDs = append(s.topicIDs, id)
	return id
}

// AddContact creates a contact with fields (JSON values: strings, bools,
// numbers, nil) and the named topics assigned, and returns its 18-character
// id. A field "Id" is taken as the id.
func (s *Server) AddContact(fields map[string]any, topics ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	record := map[string]any{}
	for k, v := range fields {
		record[k] = v
		if !slices.ContainsFunc(s.fields, func(f Field) bool { return f.Name == k }) {
			s.addField(Field{Name: k})
		}
	}
	id, _ := record["Id"].(string)
	if id == "" {
		id = s.newID("003")
	}
	record["Id"] = id
	for _, f := range s.fields {
		if _, ok := record[f.Name]; !ok {
			record[f.Name] = nil // Salesforce returns every field, null when empty
		}
	}
	s.contacts[id] = record
	s.contactIDs = append(s.contactIDs, id)
	for _, t := range topics {
		s.assignments[id] = append(s.assignments[id], s.addTopic(t))
	}
	return id
}

// Contact returns a copy of a contact's fields, or nil.
func (s *Server) Contact(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findContact(id)
	if c == nil {
		return nil
	}
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// findContact finds a contact by its 15- or 18-character id.
func (s *Server) findContact(id string) map[string]any {
	for cid, c := range s.contacts {
		if cid == id || len(id) == 15 && sfid.Same(cid, id) {
			return c
		}
	}
	return nil
}

// newID makes an 18-character id with the key prefix, e.g. "003" for a
// Contact. Called with mu held.
func (s *Server) newID(keyPrefix string) string {
	s.seq++
	return sfid.To18(fmt.Sprintf("%sDn%010d", keyPrefix, s.seq))
}

// ExpireSessions ends every access token: the next API call gets 401
// INVALID_SESSION_ID.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// Tokens is how many access tokens the token endpoint has issued.
func (s *Server) Tokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

// SetLimit sets the org's API requests used and allowed in the rolling 24
// hours; an API call beyond the limit gets 403 REQUEST_LIMIT_EXCEEDED.
func (s *Server) SetLimit(used, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used, s.limit = used, limit
}

// Calls lists the requests answered so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Stall makes every request wait until release is called (or the client
// gives up).
func (s *Server) Stall() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.stall = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.stall == ch {
				s.stall = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Fault changes the fake's answer to matching calls.
type Fault struct {
	// Match selects calls by the start of "METHOD /path", e.g.
	// "GET /services/data/v60.0/sobjects/Contact/"; "" matches every call.
	Match string
	// Times is how many matching calls the fault affects; 0 means every
	// one until ClearFaults.
	Times int
	// Delay holds the answer back (less if the client gives up first).
	Delay time.Duration
	// Status, when set, is answered with Header and Body instead of the
	// API's answer.
	Status int
	Header http.Header
	Body   string
}

// ServerError answers 503 with an HTML page, as Salesforce does during
// maintenance.
func ServerError(match string, times int) Fault {
	return Fault{Match: match, Times: times, Status: http.StatusServiceUnavailable,
		Header: http.Header{"Content-Type": {"text/html"}},
		Body:   "<html><body>Service Unavailable</body></html>"}
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching the call and counts it down.
// Called with mu held.
func (s *Server) takeFault(call string) *Fault {
	for i, f := range s.faults {
		if !strings.HasPrefix(call, f.Match) {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return f
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
