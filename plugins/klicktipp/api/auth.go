package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/crmhub/crmhub/sdk"
)

// Auth is how the client proves who it is: Session or Partner.
type Auth interface {
	authenticator(c *Client) (authenticator, error)
}

// Session logs in with an API user's name and password and sends the
// session cookie on every call. KlickTipp does not say when a session
// expires; when one is refused the client logs in once more and repeats
// the call, as KlickTipp's own connectors do.
type Session struct {
	Username string
	Password string
}

// Partner signs every call with KlickTipp partner keys: X-Un carries the
// user name, X-Ci base64(HMAC-SHA256(hex-decoded developer key, customer
// key) followed by the customer key). There is no login.
type Partner struct {
	Username     string
	DeveloperKey string // hexadecimal
	CustomerKey  string
}

// credentials are what one call was sent with.
type credentials struct {
	header http.Header
	// session numbers the login the credentials came from (0: none), so
	// that a refusal renews that session only, and only once.
	session uint64
}

// authenticator is one auth mode at work inside a Client.
type authenticator interface {
	// start makes the credentials ready (logs in) so bad ones show early.
	start(ctx context.Context) error
	// stop gives the credentials up (logs out).
	stop(ctx context.Context) error
	// sign returns the credentials for the next call, logging in if needed.
	sign(ctx context.Context) (credentials, error)
	// renew replaces credentials that KlickTipp refused and reports
	// whether repeating the call can help.
	renew(ctx context.Context, refused credentials) (bool, error)
	// refused explains a refusal that renewing did not cure.
	refused(k call, a answer) error
}

func (s Session) authenticator(c *Client) (authenticator, error) {
	if s.Username == "" || s.Password == "" {
		return nil, errors.New("session authentication needs a username and a password")
	}
	return &session{client: c, username: s.Username, password: s.Password, gate: make(chan struct{}, 1)}, nil
}

// session holds the one KlickTipp session that all calls of a Client share.
type session struct {
	client             *Client
	username, password string
	// gate is held by the one login in flight; others wait for it and
	// then use its session instead of logging in again.
	gate chan struct{}

	mu     sync.Mutex
	cookie string // "<session_name>=<sessid>"; empty when logged out
	number uint64 // counts successful logins
}

func (s *session) current() (cookie string, number uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cookie, s.number
}

func (s *session) start(ctx context.Context) error {
	cookie, number := s.current()
	if cookie != "" {
		return nil
	}
	_, _, err := s.login(ctx, number)
	return err
}

func (s *session) sign(ctx context.Context) (credentials, error) {
	cookie, number := s.current()
	if cookie == "" {
		var err error
		if cookie, number, err = s.login(ctx, number); err != nil {
			return credentials{}, err
		}
	}
	return credentials{header: http.Header{"Cookie": {cookie}}, session: number}, nil
}

func (s *session) renew(ctx context.Context, refused credentials) (bool, error) {
	_, _, err := s.login(ctx, refused.session)
	return err == nil, err
}

// login replaces session number stale with a new one, unless another call
// did so while this one waited, and returns the session now in use.
func (s *session) login(ctx context.Context, stale uint64) (cookie string, number uint64, err error) {
	select {
	case s.gate <- struct{}{}:
	case <-ctx.Done():
		return "", 0, sdk.Retryable(fmt.Errorf("log in to KlickTipp: %w", ctx.Err()), 0)
	}
	defer func() { <-s.gate }()

	cookie, number = s.current()
	if cookie != "" && number != stale {
		return cookie, number, nil // another call logged in while this one waited
	}
	if number > 0 {
		s.client.log.Info("logging in to KlickTipp again", "reason", "session refused or ended")
	}
	cookie, err = s.client.login(ctx, s.username, s.password)
	if errors.Is(err, errSessionOpen) {
		s.client.log.Info("KlickTipp reports a session still open; logging it out and logging in again")
		s.endOpenSession(ctx)
		if cookie, err = s.client.login(ctx, s.username, s.password); errors.Is(err, errSessionOpen) {
			err = sdk.Retryable(fmt.Errorf("%w, even after logging it out", err), 0)
		}
	}
	if err != nil {
		return "", 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cookie = cookie
	s.number++
	return s.cookie, s.number, nil
}

// endOpenSession ends the session KlickTipp says is open when it answers
// a login 406 ("Sie sind bereits eingeloggt."). It answers so when the
// login carries a live session's cookie — none of this client's, which
// never sends one on a login, but one that a proxy or cookie jar on the
// way keeps adding. A session exists, then, and it is not bad settings:
// log out the session this client holds (refused or not, KlickTipp may
// still count it live), or, holding none, send a logout without a cookie
// of ours, which carries whatever cookie the way adds. Its failure only
// shows in the next login. The caller holds the gate.
func (s *session) endOpenSession(ctx context.Context) {
	s.mu.Lock()
	cookie := s.cookie
	s.cookie = ""
	s.mu.Unlock()
	if err := s.logout(ctx, cookie); err != nil {
		s.client.log.Debug("logging the open session out failed", "error", err)
	}
}

func (s *session) stop(ctx context.Context) error {
	s.mu.Lock()
	cookie := s.cookie
	s.cookie = ""
	s.mu.Unlock()
	if cookie == "" {
		return nil
	}
	return s.logout(ctx, cookie)
}

// logout sends POST /account/logout with cookie, or with no cookie of the
// client's when it is empty.
func (s *session) logout(ctx context.Context, cookie string) error {
	k := call{method: http.MethodPost, path: "/account/logout", form: form{}}
	var header http.Header
	if cookie != "" {
		header = http.Header{"Cookie": {cookie}}
	}
	a, err := s.client.send(ctx, k, header)
	if err != nil {
		return err
	}
	return a.decode(k, nil)
}

func (s *session) refused(k call, a answer) error {
	return sdk.Unauthenticated("%s: KlickTipp refused a fresh session (HTTP %d%s): "+
		"the user needs API access, which KlickTipp grants to a dedicated API user; check the username",
		k, a.status, describe(a.body))
}

// login exchanges a user name and password for a session cookie.
func (c *Client) login(ctx context.Context, username, password string) (string, error) {
	k := call{method: http.MethodPost, path: "/account/login", secret: true,
		form: form{"username": {username}, "password": {password}}}
	a, err := c.send(ctx, k, nil)
	if err != nil {
		return "", err
	}
	switch {
	case a.refused():
		return "", sdk.Unauthenticated("KlickTipp refused the login (HTTP %d%s): check username and password",
			a.status, describe(a.body))
	case a.status == http.StatusNotAcceptable:
		// KlickTipp's only known 406 to a login is "already logged
		// in"; judged by the status, as the message varies by language.
		return "", errSessionOpen
	}
	var session struct {
		SessID      text `json:"sessid"`
		SessionName text `json:"session_name"`
	}
	if err := a.decode(k, &session); err != nil {
		return "", err
	}
	name, id := string(session.SessionName), string(session.SessID)
	if !cookieSafe(name) || !cookieSafe(id) {
		return "", sdk.Retryable(errors.New("KlickTipp's login answer has no usable session_name and sessid"), 0)
	}
	c.log.Debug("logged in to KlickTipp")
	return name + "=" + id, nil
}

// errSessionOpen is KlickTipp's 406 to a login: a session is already open.
var errSessionOpen = errors.New("KlickTipp answered the login with HTTP 406: a session is already open")

// cookieSafe reports whether s can be sent in a Cookie header as it is.
func cookieSafe(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || r == ';' || r == ',' || r == '"' || r == '\\'
	})
}

func (p Partner) authenticator(*Client) (authenticator, error) {
	if p.Username == "" || p.DeveloperKey == "" || p.CustomerKey == "" {
		return nil, errors.New("partner authentication needs a username, a developer key and a customer key")
	}
	signature, err := partnerSignature(p.DeveloperKey, p.CustomerKey)
	if err != nil {
		return nil, err
	}
	return partner{header: http.Header{"X-Un": {p.Username}, "X-Ci": {signature}}}, nil
}

// partnerSignature computes the X-Ci header. Errors never quote the keys.
func partnerSignature(developerKey, customerKey string) (string, error) {
	key, err := hex.DecodeString(developerKey)
	if err != nil {
		return "", errors.New("developer_key is not hexadecimal")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(customerKey))
	return base64.StdEncoding.EncodeToString(append(mac.Sum(nil), customerKey...)), nil
}

// partner sends the same headers on every call; there is nothing to renew.
type partner struct{ header http.Header }

func (p partner) start(context.Context) error { return nil }
func (p partner) stop(context.Context) error  { return nil }

func (p partner) sign(context.Context) (credentials, error) {
	return credentials{header: p.header}, nil
}

func (p partner) renew(context.Context, credentials) (bool, error) { return false, nil }

func (p partner) refused(k call, a answer) error {
	return sdk.Unauthenticated("%s: KlickTipp refused the partner keys (HTTP %d%s): "+
		"check username, developer_key and customer_key, and that the user has API access",
		k, a.status, describe(a.body))
}
