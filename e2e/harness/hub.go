package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyTimeout bounds a hub's start: launch, migration, /readyz.
const readyTimeout = 60 * time.Second

// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
const stopTimeout = 30 * time.Second

// Hub is one `crmhub serve` process and what it was started with. Its
// methods are safe for concurrent use.
type Hub struct {
	// Config is the config the hub was started with, defaults filled in.
	Config Config
	// Addr is where it listens (127.0.0.1:port), kept across restarts;
	// URL is http://Addr.
	Addr, URL string
	// ConfigPath is its config file and LogPath the file its stdout and
	// stderr go to, across restarts.
	ConfigPath, LogPath string

	bins   Binaries
	client *http.Client

	mu  sync.Mutex
	run *process // nil once stopped
}

// process is one run of the hub's binary.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process is reaped
	err    error         // how it ended, once exited is closed
}

// Start writes cfg into a config file in cfg.Dir and starts `crmhub serve`
// on a free loopback port, and returns once /readyz answers 200. The
// process gets the test's environment without any CRMHUB_ variable, so a
// developer's own settings never leak into a spec.
func Start(ctx context.Context, bins Binaries, cfg Config) (*Hub, error) {
	if cfg.Dir == "" {
		return nil, errors.New("harness: Config.Dir must name the hub's working directory")
	}
	cfg = cfg.withDefaults()
	bins, err := bins.absolute()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	h := &Hub{
		Config:     cfg,
		Addr:       addr,
		URL:        "http://" + addr,
		ConfigPath: filepath.Join(cfg.Dir, "hub-"+port+".yaml"),
		LogPath:    filepath.Join(cfg.Dir, "hub-"+port+".log"),
		bins:       bins,
		client:     &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	if err := writeConfig(h.ConfigPath, cfg, addr, bins.KlickTipp); err != nil {
		return nil, err
	}
	if err := h.Restart(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// StartReplicas starts n hubs on one config at the same moment, as
// replicas sharing a PostgreSQL store: the same keys, token and Dir (so the
// same secret key), each on a port of its own. On an error it stops those
// that started.
func StartReplicas(ctx context.Context, bins Binaries, cfg Config, n int) ([]*Hub, error) {
	cfg = cfg.withDefaults()
	hubs := make([]*Hub, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { hubs[i], errs[i] = Start(ctx, bins, cfg) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, h := range hubs {
			if h != nil {
				_ = h.Stop()
			}
		}
		return nil, err
	}
	return hubs, nil
}

// freeAddr finds a loopback port nobody listens on. The port is free
// again when it returns; the hub takes it a moment later.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Restart starts the hub again on its address, after Stop or Kill, and
// waits for /readyz. It is what Start does after writing the config.
func (h *Hub) Restart(ctx context.Context) error {
	h.mu.Lock()
	if h.run != nil {
		h.mu.Unlock()
		return errors.New("harness: the hub is still running")
	}
	p, err := h.launch()
	if err != nil {
		h.mu.Unlock()
		return err
	}
	h.run = p
	h.mu.Unlock()

	if err := h.waitReady(ctx, p); err != nil {
		_ = h.Kill()
		return err
	}
	return nil
}

// launch runs `crmhub serve --config …` in the hub's directory.
func (h *Hub) launch() (*process, error) {
	logFile, err := os.OpenFile(h.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open hub log: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	fmt.Fprintf(logFile, "\n===== harness: starting crmhub serve at %s =====\n", time.Now().Format(time.RFC3339Nano))

	cmd := exec.Command(h.bins.Hub, "serve", "--config", h.ConfigPath)
	cmd.Dir = h.Config.Dir
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The hub dies with the test process, even when that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", h.bins.Hub, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// cleanEnv is the test's environment without CRMHUB_ variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CRMHUB_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /readyz until it answers 200, the process ends or time
// runs out.
func (h *Hub) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if h.ready(ctx) {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("crmhub serve exited before it was ready (%v); its log ends:\n%s", p.err, h.LogTail(40))
		case <-ctx.Done():
			return fmt.Errorf("crmhub serve not ready after %s: %w; its log ends:\n%s", readyTimeout, ctx.Err(), h.LogTail(40))
		case <-tick.C:
		}
	}
}

func (h *Hub) ready(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// PID is the hub process's id, 0 when it is not running.
func (h *Hub) PID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run == nil {
		return 0
	}
	return h.run.cmd.Process.Pid
}

// Running reports whether the hub process is alive.
func (h *Hub) Running() bool {
	h.mu.Lock()
	p := h.run
	h.mu.Unlock()
	if p == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Stop ends the hub as an operator does, with SIGTERM, and waits for it
// to exit (SIGKILL after 30s). It returns the exit error, if any; Stop on
// a stopped hub does nothing.
func (h *Hub) Stop() error {
	return h.end(syscall.SIGTERM, stopTimeout)
}

// Kill ends the hub with SIGKILL, as a crash or the OOM killer would, and
// waits until it is gone. Its plugins are left to notice on their own.
func (h *Hub) Kill() error {
	err := h.end(syscall.SIGKILL, stopTimeout)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil // killed is what we asked for
	}
	return err
}

func (h *Hub) end(sig syscall.Signal, patience time.Duration) error {
	h.mu.Lock()
	p := h.run
	h.run = nil
	h.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig) // it may have exited already
	select {
	case <-p.exited:
	case <-time.After(patience):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("crmhub serve ignored %s for %s and was killed", sig, patience)
	}
	return p.err
}

// Reload changes the hub's config as an operator does: it rewrites the
// config file (in one rename, as editors do) and sends SIGHUP. The hub
// applies it while it runs; the caller waits for what should change.
func (h *Hub) Reload(change func(cfg *Config)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	cfg := h.Config
	change(&cfg)
	tmp := h.ConfigPath + ".new"
	if err := writeConfig(tmp, cfg, h.Addr, h.bins.KlickTipp); err != nil {
		return err
	}
	if err := os.Rename(tmp, h.ConfigPath); err != nil {
		return fmt.Errorf("replace config: %w", err)
	}
	h.Config = cfg
	if h.run == nil {
		return nil // read at the next start
	}
	if err := h.run.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("signal the hub to reload: %w", err)
	}
	return nil
}

// LogTail returns the last n lines of the hub's log.
func (h *Hub) LogTail(n int) string {
	b, err := os.ReadFile(h.LogPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
