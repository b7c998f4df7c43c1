package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sessionCookie names the console's session cookie.
const sessionCookie = "crmhub_console"

// sessionLifetime is how long a sign-in lasts.
const sessionLifetime = 12 * time.Hour

// sessionKey is the key sessions are signed with, derived from the admin
// token: every replica with the same token accepts the same cookie, and a
// new token ends every session.
func sessionKey(adminToken string) []byte {
	mac := hmac.New(sha256.New, []byte(adminToken))
	mac.Write([]byte("crmhub console session key"))
	return mac.Sum(nil)
}

// sign is the HMAC of parts under key, base64url.
func sign(key []byte, parts ...string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// newSession is a session cookie's value: a random id, its expiry (Unix
// seconds) and their signature, dot-separated.
func newSession(key []byte, now time.Time) string {
	id := rand.Text()
	expires := strconv.FormatInt(now.Add(sessionLifetime).Unix(), 10)
	return id + "." + expires + "." + sign(key, "session", id, expires)
}

// validSession tells whether value is a session signed with key that has
// not expired. The signature is compared in constant time.
func validSession(key []byte, value string, now time.Time) bool {
	id, rest, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	expires, mac, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	if !hmac.Equal([]byte(mac), []byte(sign(key, "session", id, expires))) {
		return false
	}
	unix, err := strconv.ParseInt(expires, 10, 64)
	return err == nil && now.Before(time.Unix(unix, 0))
}

// csrfToken is the token every POST of a session carries in its form:
// bound to the session, so a page of another site cannot know it.
func csrfToken(key []byte, session string) string {
	return sign(key, "csrf", session)
}

// validCSRF tells whether got is the CSRF token of session, in constant
// time.
func validCSRF(key []byte, session, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(csrfToken(key, session)))
}

// sameOrigin tells whether a POST comes from the console's own pages: its
// Origin header, when the browser sends one, names this host or the
// public URL. Requests without it (not from a browser) still need the CSRF
// token.
func sameOrigin(r *http.Request, publicURL string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if publicURL != "" && strings.EqualFold(origin, originOf(publicURL)) {
		return true
	}
	_, host, ok := strings.Cut(origin, "://")
	return ok && strings.EqualFold(host, r.Host)
}

// originOf is the scheme://host part of a URL.
func originOf(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}
