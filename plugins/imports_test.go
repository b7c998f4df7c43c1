package plugins_test

import (
	"os/exec"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Plugins are written against the SDK alone, as an outside author would
// write one: within this repository a plugin may import the SDK module and
// its own packages, nothing else of crmhub (tests included).
var _ = Describe("the import graph", func() {
	It("keeps every plugin to the SDK and its own packages", func() {
		roots := pluginRoots()
		Expect(roots).To(ContainElement("github.com/crmhub/crmhub/plugins/klicktipp"), "go list saw the plugins")
		for _, root := range roots {
			out, err := exec.Command("go", "list", "-test", "-deps", "-f", "{{.ImportPath}}", root+"/...").Output()
			Expect(err).NotTo(HaveOccurred(), "go list: %s", stderrOf(err))
			for dep := range strings.FieldsSeq(string(out)) {
				dep, _, _ = strings.Cut(dep, " ") // a test variant: "pkg [pkg.test]"
				if !strings.HasPrefix(dep, "github.com/crmhub/crmhub/") || strings.HasPrefix(dep, "github.com/crmhub/crmhub/sdk") {
					continue
				}
				Expect(pluginOf(dep)).To(Equal(root),
					"%s imports %s: a plugin may import only the SDK and its own packages", root, dep)
			}
		}
	})
})

// pluginRoots lists the import paths of the plugins' folders.
func pluginRoots() []string {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}", "./...").Output()
	Expect(err).NotTo(HaveOccurred(), "go list: %s", stderrOf(err))
	var roots []string
	for p := range strings.FieldsSeq(string(out)) {
		if root := pluginOf(p); root != "" && !slices.Contains(roots, root) {
			roots = append(roots, root)
		}
	}
	return roots
}

// pluginOf is the plugin folder a package belongs to, e.g.
// github.com/crmhub/crmhub/plugins/klicktipp for …/plugins/klicktipp/api,
// or "" for a package outside every plugin.
func pluginOf(pkg string) string {
	rest, ok := strings.CutPrefix(pkg, "github.com/crmhub/crmhub/plugins/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "" || strings.HasSuffix(name, ".test") || strings.HasSuffix(name, "_test") {
		return ""
	}
	return "github.com/crmhub/crmhub/plugins/" + name
}

func stderrOf(err error) string {
	if exit, ok := err.(*exec.ExitError); ok {
		return string(exit.Stderr)
	}
	return ""
}
