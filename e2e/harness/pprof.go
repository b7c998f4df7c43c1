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
	seconds := max(int(d.Round(time.Second)/time.Second), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		h.URL+"/debug/pprof/profile?seconds="+strconv.Itoa(seconds), nil)
	if err != nil {
		return nil, fmt.Errorf("build profile request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.Config.AdminToken)
	reply, err := h.do(req)
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	if reply.Status != http.StatusOK {
		return nil, fmt.Errorf("CPU profile: %d %s", reply.Status, strings.TrimSpace(string(reply.Body)))
	}
	return reply.Body, nil
}
