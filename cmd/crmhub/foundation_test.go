package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// runCLI runs one crmhub command in-process and returns its exit code and
// output.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer ln.Close()
	return ln.Addr().String()
}

var _ = Describe("config check", func() {
	It("prints the effective config with its secrets redacted", func() {
		GinkgoT().Setenv("CRMHUB_CRMS__KLICKTIPP__SETTINGS__PASSWORD", "pw-in-env")
		code, out, _ := runCLI("config", "check", "--config", "../../configs/crmhub.yaml")
		Expect(code).To(Equal(0))
		Expect(out).To(ContainSubstring("listen: 127.0.0.1:8080"))
		Expect(out).To(ContainSubstring("password: <redacted>"))
		Expect(out).NotTo(ContainSubstring("pw-in-env"))
	})

	It("prints it as JSON with --json, still redacted", func() {
		GinkgoT().Setenv("CRMHUB_ADMIN__TOKEN", "token-in-env")
		code, out, _ := runCLI("config", "check", "--json", "--config", "../../configs/crmhub.yaml")
		Expect(code).To(Equal(0))
		var tree map[string]any
		Expect(json.Unmarshal([]byte(out), &tree)).To(Succeed())
		Expect(tree).To(HaveKeyWithValue("listen", "127.0.0.1:8080"))
		Expect(tree).To(HaveKeyWithValue("admin", HaveKeyWithValue("token", "<redacted>")))
		Expect(out).NotTo(ContainSubstring("token-in-env"))
	})

	It("fails with exit code 1 and names every bad key", func() {
		path := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
		Expect(os.WriteFile(path, []byte("lisen: x\ncrms: {klicktipp: {rate_limit: 0}}\n"), 0o600)).To(Succeed())
		code, _, errOut := runCLI("config", "check", "--config", path)
		Expect(code).To(Equal(1))
		Expect(errOut).To(ContainSubstring("lisen: unknown key"))
	})

	It("names the key of a bad value", func() {
		path := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
		Expect(os.WriteFile(path, []byte("crms: {klicktipp: {rate_limit: 0}}\n"), 0o600)).To(Succeed())
		code, _, errOut := runCLI("config", "check", "--config", path)
		Expect(code).To(Equal(1))
		Expect(errOut).To(ContainSubstring("crms.klicktipp.rate_limit: must be > 0"))
	})
})

var _ = Describe("migrate", func() {
	It("brings a new SQLite store up to date, and again changes nothing", func() {
		dir := GinkgoT().TempDir()
		GinkgoT().Setenv("CRMHUB_DATABASE__URL", "sqlite://"+filepath.Join(dir, "hub.db"))
		for range 2 {
			code, out, errOut := runCLI("migrate")
			Expect(code).To(Equal(0), errOut)
			Expect(out).To(ContainSubstring("store (sqlite) is up to date"))
		}
	})
})

// On a fresh clone, `make run` is `crmhub serve --config configs/crmhub.yaml`
// in the repository: these specs run that in a fresh folder holding only
// the repository's config file.
var _ = Describe("serve on a fresh clone", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("answers /healthz and /readyz with nothing set up", func() {
			bins := buildBinaries()
			dir := GinkgoT().TempDir()
			Expect(os.MkdirAll(filepath.Join(dir, "configs"), 0o755)).To(Succeed())
			yaml, err := os.ReadFile("../../configs/crmhub.yaml")
			Expect(err).NotTo(HaveOccurred())
			Expect(os.WriteFile(filepath.Join(dir, "configs", "crmhub.yaml"), yaml, 0o600)).To(Succeed())

			addr := freeAddr()
			cmd := exec.Command(bins.hub, "serve", "--config", "configs/crmhub.yaml")
			cmd.Dir = dir
			cmd.Env = append(cleanEnv(), "CRMHUB_LISTEN="+addr)
			if db.Dialect == store.Postgres {
				cmd.Env = append(cmd.Env, "CRMHUB_DATABASE__URL="+db.URL())
			}
			var stderr output
			cmd.Stderr = &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			Expect(cmd.Start()).To(Succeed())
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			DeferCleanup(func() {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				Eventually(exited, 30*time.Second).Should(Receive(BeNil()), "serve exits cleanly on SIGTERM")
			})

			for _, path := range []string{"/healthz", "/readyz"} {
				Eventually(func() int {
					resp, err := http.Get(fmt.Sprintf("http://%s%s", addr, path))
					if err != nil {
						return 0
					}
					resp.Body.Close()
					return resp.StatusCode
				}).WithTimeout(30*time.Second).Should(Equal(http.StatusOK), func() string { return stderr.String() })
			}
			if db.Dialect == store.SQLite {
				Expect(filepath.Join(dir, "data", "crmhub.db")).To(BeAnExistingFile())
			}
			Expect(filepath.Join(dir, "data", "secret.key")).To(BeAnExistingFile())
		})
	})
})
