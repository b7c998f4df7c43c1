package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/crmhub/crmhub/internal/testbin"
)

// Specs where the process boundary is the point — start-up output,
// signals, plugin processes coming and going — run the real `crmhub
// serve`. Its plugins are named by path, so they may come from different
// build folders.

// binaries are the programs a hub process is made of.
type binaries struct{ hub, klicktipp, test string }

var built binaries

func buildBinaries() binaries {
	if built.hub == "" {
		var err error
		built.hub, err = testbin.Build("github.com/crmhub/crmhub/cmd/crmhub", "crmhub")
		Expect(err).NotTo(HaveOccurred())
		built.klicktipp, err = testbin.Build("github.com/crmhub/crmhub/plugins/klicktipp", "crmhub-plugin-klicktipp")
		Expect(err).NotTo(HaveOccurred())
		built.test, err = testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin", "crmhub-plugin-test")
		Expect(err).NotTo(HaveOccurred())
	}
	return built
}

// output is a process's stdout or stderr, read while it runs.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// hubProcess is one `crmhub serve` run by a spec.
type hubProcess struct {
	cmd            *exec.Cmd
	config         string // the config file
	stdout, stderr *output
	url            string        // where it serves, read from its start-up output
	exited         chan struct{} // closed once the process is reaped
}

// startHub writes configYAML to a config file in dir and runs `crmhub
// serve` on it until the spec ends, with env added to its environment.
func startHub(dir, configYAML string, env ...string) *hubProcess {
	bins := buildBinaries()
	h := &hubProcess{config: filepath.Join(dir, "crmhub.yaml"), stdout: &output{}, stderr: &output{}}
	h.writeConfig(configYAML)
	h.cmd = exec.Command(bins.hub, "serve", "--config", h.config)
	h.cmd.Dir = dir
	h.cmd.Env = append(cleanEnv(), env...)
	h.cmd.Stdout, h.cmd.Stderr = h.stdout, h.stderr
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	Expect(h.cmd.Start()).To(Succeed())
	h.exited = make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(h.exited) }()
	DeferCleanup(func() {
		h.stop()
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("crmhub serve stdout:\n%s\nstderr:\n%s\n", h.stdout, h.stderr)
		}
	})
	serving := regexp.MustCompile(`crmhub is serving on (http://\S+)`)
	Eventually(func() string { return h.stdout.String() }).WithTimeout(time.Minute).Should(MatchRegexp(serving.String()),
		func() string { return "stderr: " + h.stderr.String() })
	h.url = serving.FindStringSubmatch(h.stdout.String())[1]
	return h
}

// stop ends the hub with SIGTERM, as an operator does, and waits for it.
func (h *hubProcess) stop() {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(30 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.exited
		Fail("crmhub serve ignored SIGTERM for 30s")
	}
}

// kill ends the hub with SIGKILL, as a crash does, and waits for it.
func (h *hubProcess) kill() {
	_ = h.cmd.Process.Kill()
	<-h.exited
}

// crmhubProcess runs the built crmhub with args in dir, as an operator's
// shell would, and returns how it ended. A command that has not ended
// within a minute — a serve that started — is killed and fails the spec.
func crmhubProcess(dir string, args ...string) (code int, stdout, stderr string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildBinaries().hub, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	var out, errOut output
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	Expect(ctx.Err()).NotTo(HaveOccurred(), "crmhub %v did not end: %s", args, errOut.String())
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	Expect(err).NotTo(HaveOccurred())
	return 0, out.String(), errOut.String()
}

// writeConfig replaces the config file in one step, as a careful operator
// (or a config manager) does.
func (h *hubProcess) writeConfig(yaml string) {
	tmp := h.config + ".new"
	Expect(os.WriteFile(tmp, []byte(yaml), 0o600)).To(Succeed())
	Expect(os.Rename(tmp, h.config)).To(Succeed())
}

// cleanEnv is the test's environment without CRMHUB_ variables, nor the
// collector's settings, which the hub's own pacing would otherwise defer to.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CRMHUB_") && !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") {
			env = append(env, kv)
		}
	}
	return env
}

// answer is an HTTP answer of the hub.
type answer struct {
	code int
	body string
}

// send makes one request to the hub; a path starting with http:// is a
// full URL.
func (h *hubProcess) send(method, path, contentType, body string, header ...string) answer {
	target := path
	if !strings.HasPrefix(path, "http://") {
		target = h.url + path
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return answer{code: resp.StatusCode, body: string(b)}
}

// hook posts a form-encoded webhook.
func (h *hubProcess) hook(path string, form url.Values) answer {
	return h.send(http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode())
}

// api calls the admin API with token.
func (h *hubProcess) api(method, path, token string) answer {
	return h.send(method, "/api/v1"+path, "", "", "Authorization", "Bearer "+token)
}

// metrics scrapes /metrics into name{label="value",…} → value; a
// histogram gives name_count and name_sum.
func (h *hubProcess) metrics() map[string]float64 {
	resp, err := http.Get(h.url + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			series := name + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				out[series] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[series] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[name+"_count{"+strings.Join(labels, ",")+"}"] = float64(m.GetHistogram().GetSampleCount())
				out[name+"_sum{"+strings.Join(labels, ",")+"}"] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}
