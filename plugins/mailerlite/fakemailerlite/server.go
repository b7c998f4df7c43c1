package fakemailerlite

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running fake MailerLite API holding one account.
type Server struct {
	// URL is the API root, like https://connect.mailerlite.com/api.
	URL string

	apiKey string
	http   *httptest.Server

	mu          sync.Mutex
	groups      []group
	fields      []field
	subscribers map[string]*Subscriber // by id
	nextID      int64

	rate   rateLimit
	calls  atomic.Int64
	faults faults
	stall  atomic.Pointer[chan struct{}]
}

type group struct{ id, name string }

type field struct{ id, key, name, kind string }

// Subscriber is a MailerLite subscriber. Fields holds values by key (a
// key of an account field missing here reads null); Groups holds group ids.
type Subscriber struct {
	ID     string // set by AddSubscriber when empty
	Email  string
	Status string // active by default
	Fields map[string]string
	Groups []string
}

// New starts a fake that accepts apiKey, with MailerLite's default fields.
func New(apiKey string) *Server {
	s := &Server{apiKey: apiKey, subscribers: map[string]*Subscriber{}, nextID: 112375610569918142}
	s.rate = rateLimit{limit: 120, window: time.Minute}
	for i, k := range []string{"name", "last_name", "company", "country", "city", "phone", "state", "z_i_p"} {
		s.fields = append(s.fields, field{id: strconv.Itoa(i + 1), key: k, name: strings.ReplaceAll(k, "_", " "), kind: "text"})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/subscribers/{id}", s.getSubscriber)
	mux.HandleFunc("PUT /api/subscribers/{id}", s.putSubscriber)
	mux.HandleFunc("GET /api/groups", s.listGroups)
	mux.HandleFunc("GET /api/fields", s.listFields)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "The route " + strings.TrimPrefix(r.URL.Path, "/") + " could not be found."})
	})
	s.http = httptest.NewServer(s.serve(mux))
	s.URL = s.http.URL + "/api"
	return s
}

// Close shuts the server down, releasing any stall first.
func (s *Server) Close() {
	if ch := s.stall.Swap(nil); ch != nil {
		close(*ch)
	}
	s.http.Close()
}

// SetRateLimit changes the limit (120 a minute by default) and starts a
// new window.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.rate.mu.Lock()
	defer s.rate.mu.Unlock()
	s.rate.limit, s.rate.window, s.rate.start, s.rate.used = limit, window, time.Time{}, 0
}

// AddGroup adds a group and returns its id.
func (s *Server) AddGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	s.groups = append(s.groups, group{id: id, name: name})
	return id
}

// AddField adds a text field with this key.
func (s *Server) AddField(key, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fields = append(s.fields, field{id: strconv.Itoa(len(s.fields) + 1), key: key, name: name, kind: "text"})
}

// AddSubscriber adds a subscriber and returns its id.
func (s *Server) AddSubscriber(sub Subscriber) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.ID == "" {
		sub.ID = s.newID()
	}
	if sub.Status == "" {
		sub.Status = "active"
	}
	f := map[string]string{}
	for k, v := range sub.Fields {
		f[k] = v
	}
	sub.Fields, sub.Groups = f, slices.Clone(sub.Groups)
	s.subscribers[sub.ID] = &sub
	return sub.ID
}

// Subscriber returns a copy of the subscriber with this id.
func (s *Server) Subscriber(id string) (Subscriber, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return Subscriber{}, false
	}
	c := *sub
	c.Fields = map[string]string{}
	for k, v := range sub.Fields {
		c.Fields[k] = v
	}
	return c, true
}

// Calls counts the requests the fake received, refused ones included.
func (s *Server) Calls() int { return int(s.calls.Load()) }

// Stall holds every call until release is called or the client gives up.
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

func (s *Server) newID() string {
	s.nextID += 1013
	return strconv.FormatInt(s.nextID, 10)
}

// rateLimit is a fixed window, as Laravel's throttle counts.
type rateLimit struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	start  time.Time
	used   int
}

// take counts a request; it returns the requests left and, when none
// was, the end of the window.
func (r *rateLimit) take(now time.Time) (remaining int, reset time.Time, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.start.IsZero() || now.Sub(r.start) >= r.window {
		r.start, r.used = now, 0
	}
	reset = r.start.Add(r.window)
	if r.used >= r.limit {
		return 0, reset, false
	}
	r.used++
	return r.limit - r.used, reset, true
}

func (s *Server) serve(api http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
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
		if r.Header.Get("Authorization") != "Bearer "+s.apiKey {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthenticated."})
			return
		}
		now := time.Now()
		remaining, reset, ok := s.rate.take(now)
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.rate.limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		if !ok {
			wait := int(math.Ceil(reset.Sub(now).Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "Too Many Attempts."})
			return
		}
		api.ServeHTTP(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Resource not found."})
}

// lookup finds a subscriber by id or e-mail address.
func (s *Server) lookup(key string) *Subscriber {
	if sub, ok := s.subscribers[key]; ok {
		return sub
	}
	for _, sub := range s.subscribers {
		if strings.EqualFold(sub.Email, key) {
			return sub
		}
	}
	return nil
}

func (s *Server) subscriberJSON(sub *Subscriber) map[string]any {
	fields := map[string]any{}
	for _, f := range s.fields {
		if v, ok := sub.Fields[f.key]; ok && v != "" {
			fields[f.key] = v
		} else {
			fields[f.key] = nil
		}
	}
	groups := []map[string]any{}
	for _, id := range sub.Groups {
		for _, g := range s.groups {
			if g.id == id {
				groups = append(groups, map[string]any{"id": g.id, "name": g.name, "active_count": 1})
			}
		}
	}
	return map[string]any{
		"id": sub.ID, "email": sub.Email, "status": sub.Status, "source": "api", "sent": 0,
		"opens_count": 0, "clicks_count": 0, "open_rate": 0, "click_rate": 0, "ip_address": nil,
		"subscribed_at": "2026-08-27 15:06:41", "unsubscribed_at": nil,
		"created_at": "2026-08-27 15:06:41", "updated_at": "2026-08-27 15:06:41",
		"fields": fields, "groups": groups, "opted_in_at": nil, "optin_ip": nil,
	}
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.lookup(r.PathValue("id"))
	if sub == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": s.subscriberJSON(sub)})
}

func (s *Server) putSubscriber(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(b, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Malformed JSON."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subscribers[r.PathValue("id")]
	if sub == nil {
		notFound(w)
		return
	}
	problems := map[string][]string{}
	for key, raw := range body.Fields {
		if !slices.ContainsFunc(s.fields, func(f field) bool { return f.key == key }) {
			problems["fields."+key] = []string{"The selected fields." + key + " is invalid."}
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil && string(raw) != "null" {
			problems["fields."+key] = []string{"The fields." + key + " must be a string."}
		}
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "The given data was invalid.", "errors": problems})
		return
	}
	for key, raw := range body.Fields {
		var v string
		_ = json.Unmarshal(raw, &v)
		sub.Fields[key] = v
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": s.subscriberJSON(sub)})
}

// paged writes one page of all with MailerLite's links and meta.
func paged[T any](w http.ResponseWriter, r *http.Request, path string, all []T) {
	limit, page := 25, 1
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 0 {
		page = n
	}
	last := max(1, (len(all)+limit-1)/limit)
	from := min(len(all), (page-1)*limit)
	data := all[from:min(len(all), from+limit)]
	link := func(p int) any {
		if p < 1 || p > last {
			return nil
		}
		return path + "?page=" + strconv.Itoa(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data":  data,
		"links": map[string]any{"first": link(1), "last": link(last), "prev": link(page - 1), "next": link(page + 1)},
		"meta": map[string]any{"current_page": page, "from": from + 1, "last_page": last, "path": path,
			"per_page": limit, "to": from + len(data), "total": len(all)},
	})
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []map[string]any{}
	for _, g := range s.groups {
		all = append(all, map[string]any{"id": g.id, "name": g.name, "active_count": 0, "sent_count": 0,
			"open_rate": map[string]any{"float": 0, "string": "0%"}, "created_at": "2022-05-24 11:52:55"})
	}
	paged(w, r, s.URL+"/groups", all)
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := []map[string]any{}
	for _, f := range s.fields {
		all = append(all, map[string]any{"id": f.id, "name": f.name, "key": f.key, "type": f.kind, "is_default": false})
	}
	paged(w, r, s.URL+"/fields", all)
}
