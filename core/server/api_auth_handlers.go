package server

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"

	"github.com/crmhub/crmhub/core/apps"
)

// maxSignInBody bounds a sign-in request.
const maxSignInBody = 16 << 10

// verifySignIn answers POST /api/v1/auth/verify {"login","password"}: 200
// {"user":{…}} when a user has this username or e-mail (ignoring case)
// and password; 401 {"error":"invalid_credentials"} otherwise, the same
// whether the login exists or not; 429 {"error":"too_many_attempts"} with
// Retry-After while the login or the client address tried too often.
// Neither the password nor the login is ever logged.
func (s *Server) verifySignIn(w http.ResponseWriter, r *http.Request) {
	if s.SignIn == nil {
		s.apiNotFound(w, r)
		return
	}
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSignInBody)).Decode(&req); err != nil ||
		req.Login == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, `the body must be JSON {"login": "…", "password": "…"}`)
		return
	}
	u, err := s.SignIn.Verify(r.Context(), req.Login, req.Password, clientAddr(r))
	var limited *apps.TooManyAttemptsError
	switch {
	case errors.Is(err, apps.ErrInvalidCredentials):
		writeError(w, http.StatusUnauthorized, "invalid_credentials")
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(limited.RetryAfter.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "too_many_attempts")
	case err != nil:
		s.writeFailure(w, r, err)
	default:
		details, err := s.Store.DetailsOf(r.Context(), []int64{u.ID})
		if err != nil {
			s.writeFailure(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]User{"user": NewUser(*u, details[u.ID])})
	}
}

// clientAddr is the request's remote IP address. Forwarding headers are
// not trusted: any client could set them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
