package fakeklicktipp

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Call is one request the fake answered.
type Call struct {
	Method string
	Path   string
	// Subscriber is the id of the contact the call was about: the one in
	// its path, or the one a search found; "" for other calls.
	Subscriber string
	Status     int
	// Header is the request's headers, credentials included.
	Header http.Header
	// Start is when the request reached the fake, End when its answer
	// was written: two calls overlapped if each started before the
	// other ended.
	Start, End time.Time
}

// Overlaps reports whether c and d were answered at the same time.
func (c Call) Overlaps(d Call) bool {
	return c.Start.Before(d.End) && d.Start.Before(c.End)
}

// Calls returns every call answered since the start or ResetCalls, in the
// order they ended. The log grows with every call: a long benchmark
// should ResetCalls now and then.
func (s *Server) Calls() []Call {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return append([]Call(nil), s.calls.list...)
}

// CallCount counts the calls whose "METHOD /path" starts with route.
func (s *Server) CallCount(route string) int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	n := 0
	for _, c := range s.calls.list {
		if strings.HasPrefix(c.Method+" "+c.Path, route) {
			n++
		}
	}
	return n
}

// ResetCalls forgets the calls so far.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.list = nil
}

type callLog struct {
	mu   sync.Mutex
	list []Call
}

func (l *callLog) add(c Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, c)
}
