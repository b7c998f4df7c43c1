package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// The bare handler is the yardstick for ingest: a net/http server that
// reads the body and answers 202, nothing else. It runs as a process of
// its own, as the hub does, so both are measured across the same process
// boundary by the same load generator.

// serveBare serves the bare handler on a free loopback port and prints
// the address as its first line; it runs until killed.
func serveBare() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// bareServer is a running bare handler process.
type bareServer struct {
	URL string
	cmd *exec.Cmd
}

// startBare starts this program again as the bare handler.
func startBare() (*bareServer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the bench's own binary: %w", err)
	}
	cmd := exec.Command(self, "-bare")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the bare handler: %w", err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the bare handler did not say where it listens: %w", err)
	}
	return &bareServer{URL: "http://" + strings.TrimSpace(addr), cmd: cmd}, nil
}

// stop kills the bare handler and reaps it.
func (b *bareServer) stop() {
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
}
