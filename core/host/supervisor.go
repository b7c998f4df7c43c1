package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
)

// supervisor keeps one CRM's plugin running: it launches the process,
// configures it, watches its health and starts it again after a crash. Its
// state is read by Status and by the Client handles of the CRM.
type supervisor struct {
	name    string
	opts    Options
	log     *slog.Logger
	limiter *rate.Limiter

	// nudge asks the loop to act now: check health after a failed call, or
	// configure again after the CRM refused the plugin's credentials.
	healthNow   chan struct{}
	configureMe chan struct{}

	mu     sync.Mutex
	spec   Spec
	status PluginStatus
	proc   *process // the running process, nil when none
	ready  bool     // proc is configured: calls may go through
	parked bool     // the binary was refused; the loop waits for a new start
	info   sdk.Info
	// known is closed once a process of this CRM has given its Info, or
	// its first launch failed: the door waits on it for the profile.
	known     chan struct{}
	knownOnce sync.Once
	cancel    context.CancelFunc
	done      chan struct{}
}

func newSupervisor(spec Spec, opts Options) *supervisor {
	s := &supervisor{
		name:        spec.Name,
		opts:        opts,
		log:         opts.Logger.With("crm", spec.Name),
		limiter:     rate.NewLimiter(rate.Inf, 1),
		healthNow:   make(chan struct{}, 1),
		configureMe: make(chan struct{}, 1),
		spec:        spec,
		known:       make(chan struct{}),
		status:      PluginStatus{Name: spec.Name, State: StateStopped, Since: time.Now()},
	}
	s.setRateLimit(spec.RateLimit)
	return s
}

func (s *supervisor) setRateLimit(perSecond float64) {
	if perSecond <= 0 {
		s.limiter.SetLimit(rate.Inf)
		return
	}
	s.limiter.SetLimit(rate.Limit(perSecond))
}

// start runs the supervision loop for spec in the background.
func (s *supervisor) start(spec Spec) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.spec, s.cancel, s.done = spec, cancel, make(chan struct{})
	s.status.Restarts, s.parked = 0, false
	done := s.done
	s.mu.Unlock()
	s.setRateLimit(spec.RateLimit)
	go s.run(ctx, spec, done)
}

// stop ends the loop and returns once its process is gone, or ctx ends.
func (s *supervisor) stop(ctx context.Context) {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// run is the supervision loop: start, configure, watch; after a failure
// wait with exponential backoff and go again.
func (s *supervisor) run(ctx context.Context, spec Spec, done chan struct{}) {
	defer close(done)
	defer s.setState(StateStopped, nil, 0)
	failures := 0
	for {
		s.setState(StateStarting, nil, 0)
		began := time.Now()
		proc, err := launch(ctx, spec, s.opts, s.log)
		if err != nil {
			s.knownOnce.Do(func() { close(s.known) }) // the profile stays unknown
		}
		if err == nil {
			s.attach(proc)
			err = s.serve(ctx, spec, proc)
			s.detach()
			proc.stop()
		}
		if ctx.Err() != nil {
			return
		}
		var wrong *wrongPluginError
		if errors.As(err, &wrong) {
			s.log.Error("plugin refused; it is not started again until the config changes or is reloaded", "error", err)
			s.park(err)
			<-ctx.Done()
			return
		}
		if time.Since(began) > s.opts.BackoffMax {
			failures = 0 // a crash after a long healthy run starts the backoff over
		}
		wait := s.backoff(failures)
		failures++
		s.log.Error("plugin crashed; restarting", "error", err, "in", wait)
		s.setState(StateCrashed, err, wait)
		if !sleep(ctx, wait) {
			return
		}
		s.mu.Lock()
		s.status.Restarts++
		s.mu.Unlock()
	}
}

// serve configures a running process and watches it until it dies (the
// error says how) or ctx ends (nil).
func (s *supervisor) serve(ctx context.Context, spec Spec, proc *process) error {
	for refusals := 0; ; refusals++ {
		if err := s.configure(ctx, spec, proc); err != nil || ctx.Err() != nil {
			return err
		}
		// Running: wait for a crash, the end, or a request to configure again.
		select {
		case <-s.configureMe:
		default:
		}
		running := time.Now()
		err := s.watch(ctx, proc, nil, s.configureMe)
		if err != nil || ctx.Err() != nil {
			return err
		}
		if time.Since(running) > s.opts.BackoffMax {
			refusals = 0 // the credentials worked for a good while
		}
		// Back off, so a CRM that accepts the login but refuses every call
		// is not hammered with logins.
		wait := s.backoff(refusals)
		s.log.Warn("the CRM refused the plugin's credentials; configuring it again", "in", wait)
		s.setState(StateNotConfigured, nil, wait)
		if err := s.watch(ctx, proc, time.After(wait), nil); err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// configure calls Configure until it succeeds. Bad settings (Invalid)
// are not retried: the CRM stays not configured until the config changes.
// Other failures are retried with backoff. It returns an error only when
// the process dies.
func (s *supervisor) configure(ctx context.Context, spec Spec, proc *process) error {
	settings, err := sdk.CheckSettings(proc.info.Settings, spec.Settings)
	if err != nil {
		err = settingsError(spec.Name, err)
		s.log.Error("the settings do not fit the plugin's schema; fix crms."+spec.Name+".settings", "error", err)
		s.setState(StateNotConfigured, err, 0)
		return s.watch(ctx, proc, nil, nil) // until the process dies or the config changes
	}
	for failures := 0; ; failures++ {
		callCtx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		err := proc.crm.Configure(callCtx, settings)
		cancel()
		switch {
		case err == nil:
			s.setReady()
			return nil
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, pluginclient.ErrUnavailable):
			return proc.died("plugin died during Configure")
		case sdk.IsInvalid(err):
			s.log.Error("the plugin rejected its settings; fix crms."+spec.Name+".settings", "error", err)
			s.setState(StateNotConfigured, fmt.Errorf("configure: %w", err), 0)
			return s.watch(ctx, proc, nil, nil) // until the process dies or the config changes
		}
		wait := s.backoff(failures)
		s.log.Warn("configuring the plugin failed; retrying", "error", err, "in", wait)
		s.setState(StateNotConfigured, fmt.Errorf("configure: %w", err), wait)
		if err := s.watch(ctx, proc, time.After(wait), nil); err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// watch checks the process's health every HealthInterval (and at once
// when a call failed) until wake or nudge fires or ctx ends (nil), or the
// process turns out dead (its error).
func (s *supervisor) watch(ctx context.Context, proc *process, wake <-chan time.Time, nudge <-chan struct{}) error {
	ticker := time.NewTicker(s.opts.HealthInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			return nil
		case <-nudge:
			return nil
		case <-ticker.C:
		case <-s.healthNow:
		}
		if err := proc.healthy(); err != nil {
			return err
		}
	}
}

func (s *supervisor) backoff(failures int) time.Duration {
	d := s.opts.BackoffInitial
	for range failures {
		d *= 2
		if d >= s.opts.BackoffMax {
			return s.opts.BackoffMax
		}
	}
	return min(d, s.opts.BackoffMax)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *supervisor) attach(proc *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proc, s.info = proc, proc.info
	s.status.PID, s.status.Version = proc.pid, proc.info.Version
	s.status.Secret = nil
	for _, setting := range proc.info.Settings {
		if setting.Secret {
			s.status.Secret = append(s.status.Secret, setting.Name)
		}
	}
	s.log.Info("plugin launched", "pid", proc.pid, "version", proc.info.Version)
	if s.opts.OnInfo != nil {
		s.opts.OnInfo(s.name, proc.info)
	}
	s.knownOnce.Do(func() { close(s.known) })
}

func (s *supervisor) detach() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proc, s.ready, s.status.PID = nil, false, 0
}

func (s *supervisor) setReady() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready = true
	s.enter(StateRunning, nil, 0)
	s.log.Info("plugin running")
}

// park records that the binary was refused: crashed, with no next attempt.
func (s *supervisor) park(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready, s.parked = false, true
	s.enter(StateCrashed, err, 0)
}

// isParked reports whether the loop waits, after refusing the binary,
// for a new start.
func (s *supervisor) isParked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parked
}

// setState records a state that is not running; err, when set, becomes
// LastError; retryIn, when positive, sets NextAttempt.
func (s *supervisor) setState(state string, err error, retryIn time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready = false
	s.enter(state, err, retryIn)
}

func (s *supervisor) enter(state string, err error, retryIn time.Duration) {
	now := time.Now()
	s.status.State, s.status.Since, s.status.NextAttempt = state, now, time.Time{}
	switch {
	case err != nil:
		s.status.LastError = err.Error()
	case state == StateRunning || state == StateStopped:
		// The error is history now; the log keeps it. While the plugin is
		// started or configured again it still says why that is needed.
		s.status.LastError = ""
	}
	if retryIn > 0 {
		s.status.NextAttempt = now.Add(retryIn)
	}
}

func (s *supervisor) snapshot() PluginStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Secret = slices.Clone(st.Secret)
	return st
}

func (s *supervisor) isReady() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready
}

// current returns the plugin to call, or ErrPluginDown with the reason.
func (s *supervisor) current() (*pluginclient.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		return nil, fmt.Errorf("crm %s is %s: %w", s.status.Name, s.status.State, ErrPluginDown)
	}
	return s.proc.crm, nil
}

// suspect is told that a call found the plugin unreachable.
func (s *supervisor) suspect() {
	select {
	case s.healthNow <- struct{}{}:
	default:
	}
}

// reconfigure is told that the CRM refused the plugin's credentials: stop
// calls and have the loop configure the plugin again.
func (s *supervisor) reconfigure(err error) {
	s.mu.Lock()
	if s.ready {
		s.ready = false
		s.enter(StateNotConfigured, fmt.Errorf("the CRM refused the plugin's credentials: %w", err), 0)
	}
	s.mu.Unlock()
	select {
	case s.configureMe <- struct{}{}:
	default:
	}
}
