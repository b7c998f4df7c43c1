package sdk_test

import (
	"os/exec"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the import graph", func() {
	It("keeps sdk and plugins free of the hub's core, tests included", func() {
		// go list runs from the module root (this package's parent); a
		// pattern that matches nothing yet (no plugins) is fine.
		cmd := exec.Command("go", "list", "-test", "-deps", "-f", "{{.ImportPath}}",
			"github.com/crmhub/crmhub/sdk/...", "github.com/crmhub/crmhub/plugins/...")
		cmd.Dir = ".."
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred(), "go list: %s", stderrOf(err))
		deps := strings.Fields(string(out))
		Expect(deps).To(ContainElement("github.com/crmhub/crmhub/sdk"), "go list saw the sdk")
		for _, dep := range deps {
			Expect(dep).NotTo(HavePrefix("github.com/crmhub/crmhub/core"),
				"sdk and plugins must not import core: a plugin author would compile the hub")
		}
	})
})

func stderrOf(err error) string {
	if exit, ok := err.(*exec.ExitError); ok {
		return string(exit.Stderr)
	}
	return ""
}
