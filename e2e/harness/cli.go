package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Run is what one CLI command did.
type Run struct {
	Stdout, Stderr string
	// ExitCode is the command's exit status.
	ExitCode int
}

// CLI runs a crmhub command (e.g. "events replay") with the hub's config,
// in the hub's directory, as an operator on its machine would:
//
//	h.CLI(ctx, "users list", "--json")
//
// The error is for a command that could not be run at all; a command that
// ran and failed reports it in ExitCode and Stderr.
func (h *Hub) CLI(ctx context.Context, command string, args ...string) (Run, error) {
	argv := append(strings.Fields(command), "--config", h.ConfigPath)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, h.bins.Hub, argv...)
	cmd.Dir = h.Config.Dir
	cmd.Env = cleanEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := Run{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		run.ExitCode = exit.ExitCode()
	case err != nil:
		return run, fmt.Errorf("run crmhub %s: %w", command, err)
	}
	return run, nil
}

// Decode reads what a command printed with --json into v.
func (r Run) Decode(v any) error {
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		return fmt.Errorf("crmhub printed no JSON of the shape expected: %w: %s", err, r.Stdout)
	}
	return nil
}
