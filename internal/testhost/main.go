// Command testhost is a minimal hub for the plugin host's specs: it runs
// one CRM's plugin (the binary named by its argument), prints the plugin's
// pid once the plugin is running, then waits to be killed. The specs
// SIGKILL it to check that its plugin does not outlive it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/crmhub/crmhub/core/host"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: testhost <plugin binary>")
		os.Exit(2)
	}
	h := host.New(host.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	h.Apply(context.Background(), []host.Spec{{
		Name:     "test",
		Plugin:   os.Args[1],
		Settings: map[string]string{"api_key": "test-key"},
	}})
	for deadline := time.Now().Add(30 * time.Second); !h.Ready("test"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "testhost: plugin not ready: %+v\n", h.Status())
			os.Exit(1)
		}
	}
	fmt.Println(h.Status()[0].PID)
	select {}
}
