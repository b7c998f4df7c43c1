package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// describeMachine names what the figures were measured on.
func describeMachine(ctx context.Context, o options) string {
	parts := []string{
		fmt.Sprintf("%s, %d cores", cpuModel(), runtime.NumCPU()),
		memTotal(),
		"Linux " + strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		runtime.Version(),
	}
	if strings.Contains(o.stores, string(postgres)) {
		parts = append(parts, "PostgreSQL "+pgVersion(ctx, o.pgURL))
	}
	return strings.Join(parts, "; ")
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	return string(b)
}

func cpuModel() string {
	for line := range strings.Lines(readFile("/proc/cpuinfo")) {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.Join(strings.Fields(value), " ")
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	for line := range strings.Lines(readFile("/proc/meminfo")) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			fields := strings.Fields(rest)
			if kb, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
				return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return "? RAM"
}

func pgVersion(ctx context.Context, pg string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := store.Open(ctx, pg)
	if err != nil {
		return "not available"
	}
	defer st.Close()
	var v string
	if err := st.DB().NewRaw("SELECT current_setting('server_version')").Scan(ctx, &v); err != nil {
		return "?"
	}
	return v
}
