package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/store"
)

// Page sizes of the admin API's lists.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// admin guards an API handler that only admin.token may use; an app's
// token is refused with 403.
func (s *Server) admin(next http.HandlerFunc) http.HandlerFunc { return s.guard(false, next) }

// appOrAdmin guards an API handler that an app's token may use too:
// reading users and changes, and checking sign-ins.
func (s *Server) appOrAdmin(next http.HandlerFunc) http.HandlerFunc { return s.guard(true, next) }

// guard checks the bearer token: admin.token may do everything, an enabled
// app's token only what appsMay says. The tokens are read at each request,
// so a reload applies at once. Without any token configured the whole API
// answers 404, as if it did not exist; a missing or wrong token is 401.
func (s *Server) guard(appsMay bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cfg := s.Config()
		appTokens := appTokens(cfg)
		if cfg.Admin.Token == "" && len(appTokens) == 0 {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		got, ok := bearerToken(r)
		isAdmin := ok && keyMatches(got, cfg.Admin.Token)
		isApp := false
		for _, t := range appTokens { // every one compared: the time tells nothing
			if ok && keyMatches(got, t) {
				isApp = true
			}
		}
		switch {
		case isAdmin, isApp && appsMay:
			next(w, r)
		case isApp:
			writeError(w, http.StatusForbidden, "an app's token may only read users and changes and check sign-ins")
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="crmhub API"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (admin.token or an app's token)")
		}
	}
}

// appTokens are the tokens of the enabled apps that have one.
func appTokens(cfg *config.Config) []string {
	var tokens []string
	for _, name := range cfg.EnabledApps() {
		if t := cfg.Apps[name].Token; t != "" {
			tokens = append(tokens, t)
		}
	}
	return tokens
}

// bearerToken reads "Authorization: Bearer <token>"; the scheme's case
// does not matter (RFC 9110).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// apiNotFound answers an admin API path or method that does not exist.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no such admin API endpoint: "+r.Method+" "+r.URL.Path)
}

// badRequest is a problem with the request, answered 400 with its message.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// IsBadRequest tells whether err is a problem with the request (a filter,
// page or id it cannot read) rather than with the hub.
func IsBadRequest(err error) bool {
	var bad badRequest
	return errors.As(err, &bad)
}

// ParsePage reads a list's page from its query: limit (default 50, at
// most 500) and cursor (a list's next_cursor).
func ParsePage(q url.Values) (store.Page, error) {
	p := store.Page{Limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, badRequest("limit must be a number from 1 to " + strconv.Itoa(maxLimit))
		}
		p.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		after, err := strconv.ParseInt(s, 10, 64)
		if err != nil || after <= 0 {
			return p, badRequest("cursor is not one this API handed out")
		}
		p.After = after
	}
	return p, nil
}

// cursor is the next_cursor of a list whose next page starts after id.
func cursor(after int64) string {
	if after == 0 {
		return ""
	}
	return formatID(after)
}

// pathID reads the {id} of the path.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("no such id: " + strconv.Quote(r.PathValue("id")))
	}
	return id, nil
}

// writeFailure answers a handler's error: 400 for a bad request, 404 for
// what does not exist, else 503 with the error logged.
func (s *Server) writeFailure(w http.ResponseWriter, r *http.Request, err error) {
	var bad badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	default:
		s.Log.Error("admin API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
	}
}
