package fakeklicktipp

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault changes the fake's answer to matching calls.
type Fault struct {
	// Match selects calls by the start of "METHOD /path", e.g.
	// "GET /subscriber/" or "POST /account/login"; "" matches every call.
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

// RateLimited answers 429 with a Retry-After of whole seconds.
func RateLimited(match string, times int, retryAfter time.Duration) Fault {
	seconds := int(math.Ceil(retryAfter.Seconds()))
	return Fault{Match: match, Times: times, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.Itoa(seconds)}, "Content-Type": {"application/json"}},
		Body:   `["Too many requests."]`}
}

// BadJSON answers 200 with JSON cut off in the middle.
func BadJSON(match string, times int) Fault {
	return Fault{Match: match, Times: times, Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   `{"id":"155988456","email":"anna@exa`}
}

// AccessDenied answers 403 ["API access denied."].
func AccessDenied(match string, times int) Fault {
	return Fault{Match: match, Times: times, Status: http.StatusForbidden,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   `["API access denied."]`}
}

// AlreadyLoggedIn answers a login 406 ["Sie sind bereits eingeloggt."],
// as KlickTipp may even when the login carries no cookie the client knows
// of (KeepCookies makes the fake answer it for a live session's cookie).
func AlreadyLoggedIn(times int) Fault {
	return Fault{Match: "POST /account/login", Times: times, Status: http.StatusNotAcceptable,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   `["Sie sind bereits eingeloggt."]`}
}

// Slow delays the API's answer.
func Slow(match string, times int, delay time.Duration) Fault {
	return Fault{Match: match, Times: times, Delay: delay}
}

// Inject adds a fault; faults are tried in the order they were added and
// the first that matches a call takes it.
func (s *Server) Inject(f Fault) { s.faults.add(f) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.clear() }

type faults struct {
	some atomic.Bool // fast path: no faults, no lock
	mu   sync.Mutex
	list []*pending
}

type pending struct {
	Fault
	left int // calls still to affect; counts down from Times
}

func (fs *faults) add(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = append(fs.list, &pending{Fault: f, left: f.Times})
	fs.some.Store(true)
}

func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = nil
	fs.some.Store(false)
}

// take returns the fault for a call to route, counting it.
func (fs *faults) take(route string) (Fault, bool) {
	if !fs.some.Load() {
		return Fault{}, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, p := range fs.list {
		if !strings.HasPrefix(route, p.Match) {
			continue
		}
		if p.Times > 0 {
			p.left--
			if p.left == 0 {
				fs.list = append(fs.list[:i], fs.list[i+1:]...)
				fs.some.Store(len(fs.list) > 0)
			}
		}
		return p.Fault, true
	}
	return Fault{}, false
}

func (f Fault) write(w http.ResponseWriter) {
	for name, values := range f.Header {
		w.Header()[name] = values
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
}
