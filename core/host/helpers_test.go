package host_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/internal/testplugin"
)

const (
	testPluginPkg = "github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin"
	testHostPkg   = "github.com/crmhub/crmhub/internal/testhost"
)

// Built once per run by BeforeSuite.
var pluginBinary, hostBinary string

// fastOptions are host options for specs: short waits, logs captured.
func fastOptions(log *logBuffer) host.Options {
	return host.Options{
		Dir:            filepath.Dir(pluginBinary),
		Logger:         slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		CallTimeout:    5 * time.Second,
		HealthInterval: 50 * time.Millisecond,
		BackoffInitial: 20 * time.Millisecond,
		BackoffMax:     time.Second,
	}
}

// testSpec is the test plugin, configured to work.
func testSpec(name string) host.Spec {
	return host.Spec{Name: name, Plugin: "test", Settings: testplugin.Settings()}
}

// modeBinary is a wrapper of the test plugin that runs it with
// CRMHUBTEST_PLUGIN_MODE=mode; exec keeps the plugin's pid. Its file name
// is the test plugin's, as the host wants.
func modeBinary(mode string) string {
	path := filepath.Join(GinkgoT().TempDir(), "crmhub-plugin-test")
	script := fmt.Sprintf("#!/bin/sh\nCRMHUBTEST_PLUGIN_MODE=%s exec %s \"$@\"\n", mode, pluginBinary)
	Expect(os.WriteFile(path, []byte(script), 0o755)).To(Succeed())
	return path
}

// linkTo is a symbolic link to the test plugin's binary, named name, in a
// folder of its own.
func linkTo(name string) string {
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.Symlink(pluginBinary, path)).To(Succeed())
	return path
}

func sha256Of(path string) string {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// startHost returns a host that is shut down when the spec ends.
func startHost(opts host.Options, specs ...host.Spec) *host.Host {
	h := host.New(opts)
	DeferCleanup(func() { h.Shutdown(context.Background()) })
	h.Apply(context.Background(), specs)
	return h
}

func status(h *host.Host, name string) host.PluginStatus {
	for _, st := range h.Status() {
		if st.Name == name {
			return st
		}
	}
	return host.PluginStatus{}
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// logBuffer collects the host's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
