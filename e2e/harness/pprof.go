package harness

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CPUProfile records the hub's CPU profile for d (whole seconds, at least
// one) through Go's profiler, which the hub serves when Config.Pprof is
// set, and returns it in pprof's format for `go tool pprof`.
func (h *Hub) CPUProfile(ctx context.Context, d time.Duration) ([]byte, error) {
	return h.profile(ctx, "profile", "CPU profile", d)
}

// Trace records the hub's execution trace for d (whole seconds, at least
// one) as CPUProfile does, for `go tool trace`: where a profile says what
// ran, a trace also says what each goroutine waited for, and how long.
func (h *Hub) Trace(ctx context.Context, d time.Duration) ([]byte, error) {
	return h.profile(ctx, "trace", "execution trace", d)
}

// profile fetches /debug/pprof/<name> for d with the admin token; what
// names it in errors.
func (h *Hub) profile(ctx context.Context, name, what string, d time.Duration) ([]byte, error) {
	seconds := max(int(d.Round(time.Second)/time.Second), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		h.URL+"/debug/pprof/"+name+"?seconds="+strconv.Itoa(seconds), nil)
	if err != nil {
		return nil, fmt.Errorf("build %s request: %w", what, err)
	}
	req.Header.Set("Authorization", "Bearer "+h.Config.AdminToken)
	reply, err := h.do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if reply.Status != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", what, reply.Status, strings.TrimSpace(string(reply.Body)))
	}
	return reply.Body, nil
}
