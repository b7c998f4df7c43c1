package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// key is the session key of the admin token in force.
func (c *Console) key() []byte { return sessionKey(c.Config().Admin.Token) }

// signedIn tells whether r carries a valid session cookie.
func (c *Console) signedIn(r *http.Request) bool {
	s, err := r.Cookie(sessionCookie)
	return err == nil && validSession(c.key(), s.Value, time.Now())
}

// page guards a page: without a session it sends the browser to sign in,
// and back here afterwards.
func (c *Console) page(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.signedIn(r) {
			http.Redirect(w, r, "/ui/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r)
	}
}

// action guards a POST: it needs a session, the session's CSRF token in
// the form field csrf, and (when the browser names one) this origin.
func (c *Console) action(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := r.Cookie(sessionCookie)
		if err != nil || !validSession(c.key(), s.Value, time.Now()) {
			c.render(w, r, http.StatusForbidden, "problem", page{Title: "Signed out",
				Data: "Your session has ended; sign in again and repeat this."})
			return
		}
		if !sameOrigin(r, c.Config().Server.PublicURL) || !validCSRF(c.key(), s.Value, r.PostFormValue("csrf")) {
			c.render(w, r, http.StatusForbidden, "problem", page{Title: "Refused",
				Data: "This request did not come from a page of this console."})
			return
		}
		next(w, r)
	}
}

// signInForm answers GET /ui/signin.
func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", Data: signInData{Next: localPath(r.URL.Query().Get("next"))}})
}

type signInData struct {
	Next  string
	Error string
}

// signIn answers POST /ui/signin: the admin token, compared in constant
// time, buys a session cookie.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostFormValue("next"))
	if !sameOrigin(r, c.Config().Server.PublicURL) {
		c.render(w, r, http.StatusForbidden, "problem", page{Title: "Refused", Data: "This request did not come from a page of this console."})
		return
	}
	token := c.Config().Admin.Token
	got, want := sha256.Sum256([]byte(r.PostFormValue("token"))), sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		c.Log.Warn("console: sign-in refused: wrong admin token", "remote", r.RemoteAddr)
		c.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in",
			Data: signInData{Next: next, Error: "That is not the admin token."}})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: newSession(sessionKey(token), time.Now()), Path: "/ui/",
		MaxAge: int(sessionLifetime.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: strings.HasPrefix(strings.ToLower(c.Config().Server.PublicURL), "https://"),
	})
	c.Log.Info("console: signed in", "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut answers POST /ui/signout: the cookie is dropped. The signed
// value stays valid until it expires, as every replica must accept it
// without a shared session table; a new admin token ends it at once.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/ui/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: strings.HasPrefix(strings.ToLower(c.Config().Server.PublicURL), "https://")})
	http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
}
