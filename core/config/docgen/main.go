// Command docgen writes docs/configuration.md from core/config: every key,
// its type, default, environment variable and description (make docs).
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/crmhub/crmhub/core/config"
)

func main() {
	out := "docs/configuration.md"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	var b bytes.Buffer
	if err := config.WriteReference(&b); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}
