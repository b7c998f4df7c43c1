package testplugin

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// SynthPrefix starts the ids of contacts the account has without being
// seeded: "synth-<n>" is a contact with e-mail synth-<n>@example.com, so a
// drill can name as many contacts as it likes.
const SynthPrefix = "synth-"

// synthetic returns the contact a synth- id names.
func synthetic(id string) (sdk.Contact, bool) {
	n, ok := strings.CutPrefix(id, SynthPrefix)
	if !ok || n == "" {
		return sdk.Contact{}, false
	}
	if _, err := strconv.ParseUint(n, 10, 32); err != nil {
		return sdk.Contact{}, false
	}
	return sdk.Contact{ID: id, Email: id + "@example.com", Tags: []sdk.Tag{TagCustomer},
		Fields: map[string]string{"fieldFirstName": "Synth", "fieldLastName": n}}, true
}

// callLog appends one line per GetContact to a file that every plugin
// process of a drill shares (O_APPEND keeps each short line whole), so a
// spec sees the calls of several hubs' plugins on one clock.
type callLog struct {
	mu    sync.Mutex
	path  string
	delay time.Duration
}

func (l *callLog) set(path string, delay time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.path, l.delay = path, delay
}

// around runs get, taking at least the configured delay, and logs the call.
func (l *callLog) around(id string, get func() (sdk.Contact, error)) (sdk.Contact, error) {
	l.mu.Lock()
	path, delay := l.path, l.delay
	l.mu.Unlock()
	if path == "" {
		return get()
	}
	start := time.Now()
	time.Sleep(delay) // a slow CRM widens every call, so overlaps show
	c, err := get()
	end := time.Now()
	f, openErr := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if openErr != nil {
		return c, sdk.Retryable(fmt.Errorf("open call log: %w", openErr), 0)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%d %s %d %d\n", os.Getpid(), id, start.UnixNano(), end.UnixNano()); err != nil {
		return c, sdk.Retryable(fmt.Errorf("write call log: %w", err), 0)
	}
	return c, err
}

// Call is one GetContact the plugin logged: which process, which
// contact, when it started and ended.
type Call struct {
	PID        int
	ContactID  string
	Start, End time.Time
}

// Overlaps reports whether c and d ran at the same time.
func (c Call) Overlaps(d Call) bool { return c.Start.Before(d.End) && d.Start.Before(c.End) }

// ReadCalls reads a call log the plugins wrote (the call_log setting).
func ReadCalls(path string) ([]Call, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open call log: %w", err)
	}
	defer f.Close()
	var calls []Call
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c Call
		var start, end int64
		if _, err := fmt.Sscanf(sc.Text(), "%d %s %d %d", &c.PID, &c.ContactID, &start, &end); err != nil {
			return nil, fmt.Errorf("read call log line %q: %w", sc.Text(), err)
		}
		c.Start, c.End = time.Unix(0, start), time.Unix(0, end)
		calls = append(calls, c)
	}
	return calls, sc.Err()
}
