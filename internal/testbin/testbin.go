// Package testbin gives tests the binaries they launch as real processes
// (plugins, helper hosts), built once per test process rather than once per
// spec.
//
//	path, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin", "crmhub-plugin-test")
//
// When the environment variable CRMHUBTEST_BIN_DIR names a directory that
// already holds the binary (the Makefile prebuilds them there once per
// `make test`), that one is used. Otherwise the package is built with
// `go build` into a temporary directory; call Cleanup when the suite ends
// to remove it.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// EnvDir names the environment variable of a directory of prebuilt binaries.
const EnvDir = "CRMHUBTEST_BIN_DIR"

type build struct {
	once sync.Once
	path string
	err  error
}

var (
	mu     sync.Mutex
	builds = map[string]*build{}
	tmp    string // our temporary directory, once made
)

// Build returns the path of the binary name, built from the package with
// import path pkgPath. Concurrent calls for one name build it once.
func Build(pkgPath, name string) (string, error) {
	mu.Lock()
	b, ok := builds[name]
	if !ok {
		b = &build{}
		builds[name] = b
	}
	mu.Unlock()
	b.once.Do(func() { b.path, b.err = buildOnce(pkgPath, name) })
	return b.path, b.err
}

func buildOnce(pkgPath, name string) (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	dir, err := tempDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	out, err := exec.Command("go", "build", "-o", path, pkgPath).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("testbin: go build %s: %w\n%s", pkgPath, err, out)
	}
	return path, nil
}

func tempDir() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if tmp == "" {
		dir, err := os.MkdirTemp("", "crmhub-testbin-")
		if err != nil {
			return "", fmt.Errorf("testbin: %w", err)
		}
		tmp = dir
	}
	return tmp, nil
}

// Cleanup removes the binaries Build made (not prebuilt ones).
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	tmp = ""
	builds = map[string]*build{}
}
