package fakeklicktipp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
)

type user struct {
	password    string
	noAPIAccess bool
}

// AddUser adds a user who logs in with a password (session auth), with
// API access.
func (s *Server) AddUser(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[username] = &user{password: password}
}

// SetAPIAccess grants or withdraws a user's API access. A user without it
// still logs in, but every call is answered 403 ["API access denied."], as
// KlickTipp answers for a user that is not a dedicated API user.
func (s *Server) SetAPIAccess(username string, allowed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[username]; ok {
		u.noAPIAccess = !allowed
	}
}

// AddPartner accepts calls signed with these partner keys: X-Un the user
// name, X-Ci base64(HMAC-SHA256(hex-decoded developer key, customer key)
// followed by the customer key). It panics when developerKey is not hex.
func (s *Server) AddPartner(username, developerKey, customerKey string) {
	key, err := hex.DecodeString(developerKey)
	if err != nil {
		panic("fakeklicktipp: AddPartner: the developer key must be hexadecimal")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(customerKey))
	signature := base64.StdEncoding.EncodeToString(append(mac.Sum(nil), customerKey...))

	s.mu.Lock()
	defer s.mu.Unlock()
	s.partners[username] = signature
}

// ExpireSessions ends every session, as a timeout on KlickTipp's side
// would. A call with an ended session's cookie is answered with the status
// set by SetExpiredSessionStatus.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// SetExpiredSessionStatus sets how an unknown or ended session is refused:
// 401 (the default) or 403. KlickTipp does not document which it sends.
func (s *Server) SetExpiredSessionStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shape.expiredStatus = status
}

// Sessions counts the live sessions: those logged in and neither logged
// out nor expired.
func (s *Server) Sessions() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

// Logins counts the successful logins so far.
func (s *Server) Logins() int { return int(s.logins.Load()) }

// login answers POST /account/login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, []string{err.Error()})
		return
	}
	status, answer := s.startSession(r, p.Get("username"), p.Get("password"))
	writeJSON(w, status, answer)
}

func (s *Server) startSession(r *http.Request, username, password string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessionUser(r); ok {
		return http.StatusNotAcceptable, []string{"Sie sind bereits eingeloggt."}
	}
	u, ok := s.users[username]
	if !ok || !hmac.Equal([]byte(u.password), []byte(password)) {
		return http.StatusUnauthorized, []string{"Wrong username or password."}
	}
	id := rand.Text()
	s.sessions[id] = username
	s.logins.Add(1)
	return http.StatusOK, map[string]any{
		"sessid":       id,
		"session_name": sessionName,
		"account":      map[string]any{"uid": "4711", "username": username, "status": "1"},
	}
}

// logout answers POST /account/logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionName); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, []bool{true})
}

// authorized lets a call through to h only with valid partner headers or a
// live session of a user with API access.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if status, message := s.authenticate(r); status != 0 {
			writeJSON(w, status, []string{message})
			return
		}
		h(w, r)
	}
}

func (s *Server) authenticate(r *http.Request) (status int, message string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if username := r.Header.Get("X-Un"); username != "" {
		want, ok := s.partners[username]
		if !ok || !hmac.Equal([]byte(r.Header.Get("X-Ci")), []byte(want)) {
			return http.StatusForbidden, "API access denied."
		}
		return 0, ""
	}
	username, ok := s.sessionUser(r)
	if !ok {
		return s.shape.expiredStatus, "Access denied for user anonymous"
	}
	if u := s.users[username]; u == nil || u.noAPIAccess {
		return http.StatusForbidden, "API access denied."
	}
	return 0, ""
}

// sessionUser returns the user of the request's session; s.mu is held.
func (s *Server) sessionUser(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionName)
	if err != nil {
		return "", false
	}
	username, ok := s.sessions[c.Value]
	return username, ok
}
