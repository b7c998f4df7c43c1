package fakeactivecampaign

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault changes the fake's answer to matching calls.
type Fault struct {
	// Match selects calls by the start of "METHOD /path", e.g.
	// "GET /api/3/contacts/"; "" matches every call.
	Match string
	// Times is how many matching calls the fault affects; 0 means every
	// one until ClearFaults.
	Times int
	// Delay holds the answer back (less if the client gives up first).
	Delay time.Duration
	// Status, when set, is answered with Header and Body instead of the
	// API's answer. With Status 0 the API answers, after Delay.
	Status int
	Header http.Header
	Body   string
}

// ServerError answers 503 with an HTML page, as a proxy in front of an
// unwell API would.
func ServerError(match string, times int) Fault {
	return Fault{Match: match, Times: times, Status: http.StatusServiceUnavailable,
		Header: http.Header{"Content-Type": {"text/html"}},
		Body:   "<html><body><h1>503 Service Unavailable</h1></body></html>"}
}

// RateLimited answers 429 as ActiveCampaign does, with Retry-After in whole
// seconds and the RateLimit headers.
func RateLimited(match string, times int, retryAfter time.Duration) Fault {
	return Fault{Match: match, Times: times, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(retryAfter.Seconds())))},
			"Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"0"}, "Content-Type": {"application/json"}},
		Body: `{"message":"Too Many Requests"}`}
}

// Slow delays the API's answer.
func Slow(match string, times int, delay time.Duration) Fault {
	return Fault{Match: match, Times: times, Delay: delay}
}

// Inject adds a fault; the first fault added that matches a call takes it.
func (s *Server) Inject(f Fault) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = append(s.faults, &pending{Fault: f, left: f.Times})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = nil
}

type pending struct {
	Fault
	left int
}

// takeFault returns the fault for a call to route, counting it.
func (s *Server) takeFault(route string) (Fault, bool) {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for i, p := range s.faults {
		if !strings.HasPrefix(route, p.Match) {
			continue
		}
		if p.Times > 0 {
			p.left--
			if p.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return p.Fault, true
	}
	return Fault{}, false
}

// Stall makes every call hang until release is called or the client gives
// up, as an unresponsive ActiveCampaign would.
func (s *Server) Stall() (release func()) {
	held := make(chan struct{})
	s.stall.Store(&held)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.stall.CompareAndSwap(&held, nil)
			close(held)
		})
	}
}

func (f Fault) write(w http.ResponseWriter) {
	for name, values := range f.Header {
		w.Header()[name] = values
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
}

// Call is one request the fake answered.
type Call struct {
	Method string
	Path   string
	Query  string
	Status int
	// Header is the request's headers, the Api-Token included.
	Header http.Header
	Body   string
}

// Calls returns every call answered since the start or ResetCalls.
func (s *Server) Calls() []Call {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount counts the calls whose "METHOD /path" starts with route.
func (s *Server) CallCount(route string) int {
	n := 0
	for _, c := range s.Calls() {
		if strings.HasPrefix(c.Method+" "+c.Path, route) {
			n++
		}
	}
	return n
}

// ResetCalls forgets the calls so far.
func (s *Server) ResetCalls() {
	s.callsMu.Lock()
	defer s.callsMu.Unlock()
	s.calls = nil
}
