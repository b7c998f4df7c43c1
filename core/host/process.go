package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
)

// process is one running plugin process, handshaken and dispensed.
type process struct {
	client *plugin.Client
	rpc    plugin.ClientProtocol
	crm    *pluginclient.Client
	info   sdk.Info
	pid    int
	stderr *stderrTail
}

// launch starts the plugin binary of spec and checks that it speaks this
// hub's protocol. On error no process is left running.
func launch(ctx context.Context, spec Spec, opts Options, log *slog.Logger) (*process, error) {
	path := spec.binary(opts.Dir)
	var secure *plugin.SecureConfig
	if spec.SHA256 != "" {
		sum, err := hex.DecodeString(spec.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return nil, fmt.Errorf("sha256 %q is not a hex SHA-256 checksum", spec.SHA256)
		}
		secure = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	stderr := &stderrTail{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          plugin.PluginSet{sdk.PluginName: pluginclient.Plugin{}},
		Cmd:              pluginCommand(path, opts.MaxProcs),
		SkipHostEnv:      true, // the plugin gets pluginEnv's pick, not the hub's environment
		SecureConfig:     secure,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		GRPCDialOptions:  pluginclient.DialOptions(),
		AutoMTLS:         true,
		StartTimeout:     opts.StartTimeout,
		Logger:           newHCLogAdapter(log),
		Stderr:           stderr,
	})
	// go-plugin's start does not watch ctx: a stop during a slow start
	// kills the process, which ends the start.
	started := make(chan struct{})
	defer close(started)
	go func() {
		select {
		case <-ctx.Done():
			client.Kill()
		case <-started:
		}
	}()
	p, err := handshake(ctx, client, opts)
	if err != nil {
		client.Kill()
		switch {
		case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
			return nil, fmt.Errorf("refusing %s: its SHA-256 does not match the configured sha256 %s", path, spec.SHA256)
		case strings.Contains(err.Error(), "incompatible API version"):
			return nil, protocolError(path, err)
		case stderr.lastLines(1) != "":
			return nil, fmt.Errorf("start %s: %w; stderr: %s", path, err, stderr.lastLines(3))
		}
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	if want := spec.pluginName(); p.info.Name != want {
		client.Kill()
		return nil, &wrongPluginError{path: path, crm: spec.Name, got: p.info.Name, want: want}
	}
	p.stderr = stderr
	return p, nil
}

// protocolError names what to rebuild a plugin of another protocol with.
// go-plugin says "... Plugin version: N, Client versions: [2]".
func protocolError(path string, err error) error {
	speaks := "another plugin protocol"
	if _, after, ok := strings.Cut(err.Error(), "Plugin version: "); ok {
		if n, _, _ := strings.Cut(after, ","); n != "" {
			speaks = "plugin protocol " + n
		}
	}
	return fmt.Errorf("refusing %s: it speaks %s; this hub speaks %d: rebuild it with %s (protocol %d)",
		path, speaks, sdk.ProtocolVersion, sdkModule, sdk.ProtocolVersion)
}

// sdkModule is the Go module plugins are built with.
const sdkModule = "github.com/crmhub/crmhub/sdk"

// wrongPluginError refuses a binary that is another plugin than the one
// configured. Starting it again cannot help: the supervisor waits for the
// config to change (or be reloaded) instead of restarting it.
type wrongPluginError struct {
	path, crm string
	got, want string // the name in the plugin's Info, the configured name
}

func (e *wrongPluginError) Error() string {
	return fmt.Sprintf("refusing %s: it is the plugin %q, not the plugin %q that crms.%s.plugin names", e.path, e.got, e.want, e.crm)
}

// pluginCommand runs the binary at path with the allow-listed part of the
// hub's environment and the runtime's settings for a plugin (runtimeEnv).
func pluginCommand(path string, maxProcs int) *exec.Cmd {
	cmd := exec.Command(path)
	cmd.Env = append(pluginEnv(os.Environ()), runtimeEnv(maxProcs)...)
	return cmd
}

func handshake(ctx context.Context, client *plugin.Client, opts Options) (*process, error) {
	rpc, err := client.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense: %w", err)
	}
	crm, ok := raw.(*pluginclient.Client)
	if !ok {
		return nil, fmt.Errorf("dispense: got %T, want a CRM client", raw)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.CallTimeout)
	defer cancel()
	info, err := crm.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("info: %w", err)
	}
	if info.ProtocolVersion != sdk.ProtocolVersion {
		return nil, fmt.Errorf("incompatible plugin: it speaks plugin protocol %d; this hub speaks %d: rebuild it with %s (protocol %d)",
			info.ProtocolVersion, sdk.ProtocolVersion, sdkModule, sdk.ProtocolVersion)
	}
	pid := 0
	if rc := client.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	return &process{client: client, rpc: rpc, crm: crm, info: info, pid: pid}, nil
}

// healthy reports why the process is not serving, or nil.
func (p *process) healthy() error {
	if p.client.Exited() {
		return p.died("plugin process exited")
	}
	if err := p.rpc.Ping(); err != nil {
		// A dead process fails the ping before go-plugin has reaped it:
		// give it a moment, to report the death rather than the symptom.
		for range 100 {
			if p.client.Exited() {
				return p.died("plugin process exited")
			}
			time.Sleep(10 * time.Millisecond)
		}
		return fmt.Errorf("health check: %w", err)
	}
	return nil
}

func (p *process) died(what string) error {
	if tail := p.stderr.lastLines(3); tail != "" {
		return fmt.Errorf("%s; stderr: %s", what, tail)
	}
	return errors.New(what)
}

// stop ends the process: gracefully if it listens, by SIGKILL after two
// seconds if not. It returns once the process is gone.
func (p *process) stop() { p.client.Kill() }

// ReadInfo launches spec's plugin binary as the host does (same checks:
// checksum, protocol, name), reads its Info and stops it; for commands
// that show a plugin while no hub runs it.
func ReadInfo(ctx context.Context, spec Spec, opts Options) (sdk.Info, error) {
	opts = opts.withDefaults()
	proc, err := launch(ctx, spec, opts, opts.Logger.With("crm", spec.Name))
	if err != nil {
		return sdk.Info{}, err
	}
	proc.stop()
	return proc.info, nil
}
