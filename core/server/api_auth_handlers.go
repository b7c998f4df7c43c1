package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/crmhub/crmhub/core/apps"
)

// maxSignInBody bounds a sign-in request.
const maxSignInBody = 16 << 10

// verifySignIn answers POST /api/v1/auth/verify {"login","password","ip"}:
// 200 {"user":{…}} when a user has this username or e-mail (ignoring
// case) and password; 401 {"error":"invalid_credentials"} otherwise, the
// same whether the login exists or not; 429 {"error":"too_many_attempts"}
// with Retry-After while the login or the address tried too often. The
// optional "ip" is the address of the person signing in: the caller is
// always an app's server, whose own address says nothing about who signs
// in. Neither the password nor the login is ever logged.
func (s *Server) verifySignIn(w http.ResponseWriter, r *http.Request) {
	if s.SignIn == nil {
		s.apiNotFound(w, r)
		return
	}
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		IP       string `json:"ip"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSignInBody)).Decode(&req); err != nil ||
		req.Login == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, `the body must be JSON {"login": "…", "password": "…"}`)
		return
	}
	addr, err := signInAddr(req.IP)
	if err != nil {
		writeError(w, http.StatusBadRequest, `"ip" must be an IP address`)
		return
	}
	u, err := s.SignIn.Verify(r.Context(), req.Login, req.Password, addr)
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
		details, err := s.Store.Reader().DetailsOf(r.Context(), []int64{u.ID})
		if err != nil {
			s.writeFailure(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]User{"user": NewUser(*u, details[u.ID])})
	}
}

// signInAddr is the key the address ip is limited by ("" for none): the
// address itself, or for IPv6 its /64 network, since one subscriber
// usually holds a whole /64.
func signInAddr(ip string) (string, error) {
	if ip == "" {
		return "", nil
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "", fmt.Errorf("parse ip %q: %w", ip, err)
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String(), nil
	}
	return a.String(), nil
}
