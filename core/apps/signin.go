package apps

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
)

// Limits on guessing passwords.
const (
	// maxFailures failed sign-ins for one login within failureWindow
	// block it until the oldest of them leaves the window.
	maxFailures   = 5
	failureWindow = 15 * time.Minute
	// One end user's address may try addrBurst sign-ins at once, then
	// one per addrEvery.
	addrBurst = 20
	addrEvery = 6 * time.Second
)

// ErrInvalidCredentials: no user has this login and password. Whether the
// login exists is not told.
var ErrInvalidCredentials = errors.New("invalid credentials")

// TooManyAttemptsError: sign-ins are refused for a while.
type TooManyAttemptsError struct{ RetryAfter time.Duration }

func (e *TooManyAttemptsError) Error() string {
	return fmt.Sprintf("too many sign-in attempts; retry after %s", e.RetryAfter.Round(time.Second))
}

// SignInObserver counts sign-ins by result: ok, invalid or limited.
type SignInObserver interface{ SignIn(result string) }

// SignIn checks the logins and passwords of the hub's users for apps.
type SignIn struct {
	st        *store.Store
	observer  SignInObserver
	dummyHash string

	mu    sync.Mutex
	addrs map[string]*addrLimit
}

type addrLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewSignIn returns a sign-in checker; observer may be nil.
func NewSignIn(st *store.Store, observer SignInObserver) *SignIn {
	// An unknown login is checked against this hash, so it costs the
	// same time as a known one and its answer tells nothing.
	return &SignIn{st: st, observer: observer, dummyHash: secret.HashPassword(secret.GeneratePassword()),
		addrs: map[string]*addrLimit{}}
}

// Verify returns the user whose username or e-mail (ignoring case) is
// login and whose password is password; else ErrInvalidCredentials, or a
// *TooManyAttemptsError while the login or the address addr is blocked.
// addr is the address of the person signing in, as the app saw it; the
// hub cannot see it itself, since an app's server makes the call. When
// addr is empty only the login's limit applies. A matching hash made with
// older parameters is replaced.
func (s *SignIn) Verify(ctx context.Context, login, password, addr string) (*store.User, error) {
	if addr != "" {
		if wait, ok := s.allowAddr(addr); !ok {
			s.count("limited")
			return nil, &TooManyAttemptsError{RetryAfter: wait}
		}
	}
	// The attempt counts as a failure from the start, so that parallel
	// guesses see each other: at most maxFailures passwords are checked.
	now := time.Now()
	attempt, err := s.st.RecordSignInFailure(ctx, login, now)
	if err != nil {
		return nil, err
	}
	n, oldest, err := s.st.Reader().SignInFailures(ctx, login, now.Add(-failureWindow))
	if err != nil {
		return nil, err
	}
	if n > maxFailures {
		if err := s.st.ForgetSignInFailure(ctx, attempt); err != nil {
			return nil, err
		}
		s.count("limited")
		return nil, &TooManyAttemptsError{RetryAfter: max(time.Second, oldest.Add(failureWindow).Sub(now))}
	}
	u, err := s.st.Reader().UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, _ := secret.CheckPassword(hash, password) // a hash of another format never matches
	if u == nil || !ok {
		s.count("invalid")
		return nil, ErrInvalidCredentials
	}
	if err := s.st.ClearSignInFailures(ctx, login); err != nil {
		return nil, err
	}
	if secret.NeedsRehash(u.PasswordHash) {
		rehashed := secret.HashPassword(password)
		replaced, err := s.st.ReplacePasswordHash(ctx, u.ID, u.PasswordHash, rehashed)
		if err != nil {
			return nil, err
		}
		if replaced {
			u.PasswordHash = rehashed
		}
	}
	s.count("ok")
	return u, nil
}

func (s *SignIn) count(result string) {
	if s.observer != nil {
		s.observer.SignIn(result)
	}
}

// allowAddr takes one sign-in from addr's allowance, or says how long to
// wait for the next.
func (s *SignIn) allowAddr(addr string) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	a, ok := s.addrs[addr]
	if !ok {
		s.forgetIdle(now)
		a = &addrLimit{lim: rate.NewLimiter(rate.Every(addrEvery), addrBurst)}
		s.addrs[addr] = a
	}
	a.seen = now
	r := a.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// forgetIdle drops the addresses whose allowance is full again, so the
// map does not grow with every address ever seen.
func (s *SignIn) forgetIdle(now time.Time) {
	if len(s.addrs) < 1024 {
		return
	}
	for addr, a := range s.addrs {
		if now.Sub(a.seen) > addrEvery*addrBurst {
			delete(s.addrs, addr)
		}
	}
}
