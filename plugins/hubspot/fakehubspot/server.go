package fakehubspot

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ListType is a list's processingType as HubSpot's lists API reports it.
type ListType string

const (
	Manual   ListType = "MANUAL"   // a static list, members added by hand or API
	Snapshot ListType = "SNAPSHOT" // a static list filled once from filters
	Dynamic  ListType = "DYNAMIC"  // an active list, members by filters
)

// Contact is a contact the fake knows.
type Contact struct {
	ID         string
	Properties map[string]string
	// Lists are the ids of the lists the contact is a member of.
	Lists []string
}

// Call is one request the fake answered.
type Call struct {
	Method, Path, Query string
	Status              int
}

// Defaults of a new fake, HubSpot's own where it publishes them.
const (
	DefaultMembershipPage = 2 // small, so specs cross pages (HubSpot: up to 500)
	SearchPerSecond       = 4 // the search endpoint's limit per token
	DailyLimit            = 250000
)

// Server is a fake HubSpot API.
type Server struct {
	*httptest.Server
	token string

	mu             sync.Mutex
	contacts       map[string]*Contact
	order          []string
	properties     []property
	lists          map[string]list
	listOrder      []string
	membershipPage int
	calls          []Call
	faults         []fault
	stall          chan struct{}
	now            func() time.Time
	searchWindow   time.Time
	searchCount    int
	daily          int
	nextID         int
}

type property struct {
	Name, Label string
	Options     []string // values of an enumeration (checkbox) property
}

type list struct {
	ID, Name string
	Type     ListType
}

type fault struct {
	status int
	header http.Header
	body   string
}

// New starts a fake that accepts token as its Bearer token and knows the
// standard contact properties email, firstname, lastname and phone.
func New(token string) *Server {
	s := &Server{
		token: token, contacts: map[string]*Contact{}, lists: map[string]list{},
		membershipPage: DefaultMembershipPage, now: time.Now, nextID: 1000,
	}
	for _, p := range []property{{"email", "Email", nil}, {"firstname", "First Name", nil}, {"lastname", "Last Name", nil}, {"phone", "Phone Number", nil}} {
		s.properties = append(s.properties, p)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close releases stalled calls and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.stall != nil {
		close(s.stall)
		s.stall = nil
	}
	s.mu.Unlock()
	s.Server.Close()
}

// AddProperty adds a contact property.
func (s *Server) AddProperty(name, label string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.properties = append(s.properties, property{name, label, nil})
}

// AddEnumProperty adds a multiple-checkbox property with these option
// values (labels = values), whose contact values are ";"-separated.
func (s *Server) AddEnumProperty(name, label string, options ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.properties = append(s.properties, property{name, label, options})
}

// AddList adds a list.
func (s *Server) AddList(id, name string, t ListType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.lists[id]; !ok {
		s.listOrder = append(s.listOrder, id)
	}
	s.lists[id] = list{id, name, t}
}

// AddContact adds or replaces a contact.
func (s *Server) AddContact(c Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	props := map[string]string{}
	for k, v := range c.Properties {
		props[k] = v
	}
	c.Properties = props
	c.Lists = slices.Clone(c.Lists)
	if _, ok := s.contacts[c.ID]; !ok {
		s.order = append(s.order, c.ID)
	}
	s.contacts[c.ID] = &c
}

// Contact returns a copy of a contact, and whether it exists.
func (s *Server) Contact(id string) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[id]
	if !ok {
		return Contact{}, false
	}
	out := *c
	out.Properties = map[string]string{}
	for k, v := range c.Properties {
		out.Properties[k] = v
	}
	out.Lists = slices.Clone(c.Lists)
	return out, true
}

// SetMembershipPage sets how many memberships one page holds.
func (s *Server) SetMembershipPage(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.membershipPage = n
}

// SetClock replaces the clock the search limiter counts seconds by, so a
// spec can hold every search within one second.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// FailNext answers the next n calls with status, header and body.
func (s *Server) FailNext(n, status int, header http.Header, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status, header, body})
	}
}

// RateLimitNext answers the next n calls with HubSpot's 429 of the given
// policy ("SECONDLY" or "DAILY") and retryAfter, when not empty, as the
// Retry-After header.
func (s *Server) RateLimitNext(n int, policy, retryAfter string) {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	if policy == "SECONDLY" {
		h.Set("X-HubSpot-RateLimit-Secondly-Remaining", "0")
	}
	s.FailNext(n, http.StatusTooManyRequests, h, rateLimitBody(policy))
}

// Stall holds every call until release is called (or the server closes).
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
				close(ch)
				s.stall = nil
			}
			s.mu.Unlock()
		})
	}
}

// Calls lists the calls answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Count is how many calls went to a path starting with prefix.
func (s *Server) Count(method, prefix string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			n++
		}
	}
	return n
}

func correlationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func rateLimitBody(policy string) string {
	msg := "You have reached your secondly limit."
	if policy == "DAILY" {
		msg = "You have reached your daily limit."
	}
	b, _ := json.Marshal(map[string]string{"status": "error", "message": msg, "errorType": "RATE_LIMIT",
		"correlationId": correlationID(), "policyName": policy, "requestId": correlationID()})
	return string(b)
}

func notFoundBody(id string) string {
	b, _ := json.Marshal(map[string]any{"status": "error", "message": "Object not found.  objectId are usually numeric.",
		"correlationId": correlationID(), "context": map[string][]string{"id": {id}}, "category": "OBJECT_NOT_FOUND"})
	return string(b)
}

func errorBody(category, message string) string {
	b, _ := json.Marshal(map[string]string{"status": "error", "message": message, "correlationId": correlationID(), "category": category})
	return string(b)
}

// rateHeaders are the limit headers HubSpot puts on every API answer.
func (s *Server) rateHeaders(h http.Header) {
	h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(DailyLimit))
	h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(DailyLimit-s.daily, 0)))
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
	h.Set("X-HubSpot-RateLimit-Max", "100")
	h.Set("X-HubSpot-RateLimit-Remaining", "99")
	h.Set("X-HubSpot-RateLimit-Secondly", "10")
	h.Set("X-HubSpot-RateLimit-Secondly-Remaining", "9")
}
