package fakeklicktipp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running fake KlickTipp API.
type Server struct {
	// URL is the base URL to configure the plugin with (base_url).
	URL string

	http *httptest.Server
	mux  *http.ServeMux

	mu          sync.RWMutex
	users       map[string]*user  // by user name
	partners    map[string]string // user name → the X-Ci it expects
	sessions    map[string]string // session id → user name
	tags        map[string]string // id → name
	fields      map[string]string // id → name
	subscribers map[string]*subscriber
	byEmail     map[string]string // e-mail → subscriber id
	lastID      int64
	shape       shape

	logins atomic.Int64
	stall  atomic.Pointer[chan struct{}] // set while Stall holds calls
	kept   keptCookie
	faults faults
	calls  callLog
}

// shape says how the fake writes values where KlickTipp's answers vary.
type shape struct {
	numericIDs         bool
	emptyMapsAsObjects bool
	expiredStatus      int
}

// sessionName is the name of the session cookie, as Drupal derives one.
const sessionName = "SSESS4a1b2c3d4e5f60718293a4b5c6d7e8f9"

// New starts a fake with KlickTipp's standard contact fields and nothing
// else. Close it when done.
func New() *Server {
	s := &Server{
		users:       map[string]*user{},
		partners:    map[string]string{},
		sessions:    map[string]string{},
		tags:        map[string]string{},
		fields:      standardFields(),
		subscribers: map[string]*subscriber{},
		byEmail:     map[string]string{},
		lastID:      155988455,
		shape:       shape{expiredStatus: http.StatusUnauthorized},
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /account/login", s.login)
	s.mux.HandleFunc("POST /account/logout", s.authorized(s.logout))
	s.mux.HandleFunc("GET /subscriber/{id}", s.authorized(s.getSubscriber))
	s.mux.HandleFunc("POST /subscriber/search", s.authorized(s.searchSubscriber))
	s.mux.HandleFunc("PUT /subscriber/{id}", s.authorized(s.updateSubscriber))
	s.mux.HandleFunc("GET /tag", s.authorized(s.listTags))
	s.mux.HandleFunc("GET /field", s.authorized(s.listFields))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, []string{"There is no such entity."})
	})
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// SetNumericIDs makes the fake write ids (a subscriber's id, its tag ids,
// search results) as JSON numbers instead of strings, as some of
// KlickTipp's answers do.
func (s *Server) SetNumericIDs(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shape.numericIDs = on
}

// SetEmptyMapsAsObjects makes the fake write empty maps as {} instead of
// the [] that KlickTipp (PHP) writes.
func (s *Server) SetEmptyMapsAsObjects(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shape.emptyMapsAsObjects = on
}

// Stall makes every call hang until release is called or the client gives
// up, as an unresponsive KlickTipp would.
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

// KeepCookies makes the fake act as if a proxy or cookie jar in front of
// it kept the last Cookie header a request carried and added it to every
// later request that carries none — a login or a bare logout included.
// A login that arrives so with a live session's cookie is answered 406
// ["Sie sind bereits eingeloggt."], as KlickTipp answers it; a bare logout
// ends that session.
func (s *Server) KeepCookies(on bool) {
	s.kept.mu.Lock()
	defer s.kept.mu.Unlock()
	s.kept.on, s.kept.cookie = on, ""
}

type keptCookie struct {
	mu     sync.Mutex
	on     bool
	cookie string
}

// apply keeps r's cookie, or gives r the one kept.
func (k *keptCookie) apply(r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case !k.on:
	case r.Header.Get("Cookie") != "":
		k.cookie = r.Header.Get("Cookie")
	case k.cookie != "":
		r.Header.Set("Cookie", k.cookie)
	}
}

// callInfo is filled by a handler for the call log.
type callInfo struct{ subscriber string }

type callInfoKey struct{}

// serve answers one request: first any injected fault, then the API.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &callInfo{}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	route := r.Method + " " + r.URL.Path

	s.kept.apply(r)
	if stall := s.stall.Load(); stall != nil {
		select {
		case <-*stall:
		case <-r.Context().Done():
		}
	}
	if f, ok := s.faults.take(route); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
			}
		}
		if f.Status != 0 {
			f.write(rec)
		}
	}
	if !rec.written {
		s.mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), callInfoKey{}, info)))
	}
	s.calls.add(Call{
		Method:     r.Method,
		Path:       r.URL.Path,
		Subscriber: subscriberOf(r, info),
		Status:     rec.status,
		Header:     r.Header.Clone(),
		Start:      start,
		End:        time.Now(),
	})
}

// subscriberOf names the subscriber a call was about: the id in its path
// (/subscriber/{id}), or what its handler found (search).
func subscriberOf(r *http.Request, info *callInfo) string {
	if info.subscriber != "" {
		return info.subscriber
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/subscriber/"); ok && isDigits(id) {
		return id
	}
	return ""
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status, r.written = status, true
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
