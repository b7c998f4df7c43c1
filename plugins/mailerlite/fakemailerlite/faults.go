package fakemailerlite

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault changes the fake's answer to matching calls.
type Fault struct {
	// Match selects calls by the start of "METHOD /api/path"; "" matches all.
	Match string
	// Times is how many matching calls the fault takes; 0 means all of them
	// until ClearFaults.
	Times int
	// Delay holds the answer back (less if the client gives up first).
	Delay time.Duration
	// Status, when set, is answered with Header and Body instead of the API.
	Status int
	Header http.Header
	Body   string
}

// ServerError answers a 503 with an HTML page.
func ServerError(match string, times int) Fault {
	return Fault{Match: match, Times: times, Status: http.StatusServiceUnavailable,
		Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html><body>503 Service Unavailable</body></html>"}
}

// Inject adds a fault; the first added that matches a call takes it.
func (s *Server) Inject(f Fault) { s.faults.add(f) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.clear() }

type faults struct {
	mu   sync.Mutex
	list []*pending
}

type pending struct {
	Fault
	left int
}

func (fs *faults) add(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = append(fs.list, &pending{Fault: f, left: f.Times})
}

func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = nil
}

func (fs *faults) take(route string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, p := range fs.list {
		if !strings.HasPrefix(route, p.Match) {
			continue
		}
		if p.Times > 0 {
			if p.left--; p.left == 0 {
				fs.list = append(fs.list[:i], fs.list[i+1:]...)
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
