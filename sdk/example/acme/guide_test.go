package acme_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// excerpt is a code block of the SDK's guide marked with the file it is
// taken from: <!-- from example/… --> on the line before the fence.
var excerpt = regexp.MustCompile("(?s)<!-- from (\\S+) -->\n```go\n(.*?)```")

var _ = Describe("the SDK's guide (sdk/README.md)", func() {
	sdkRoot := filepath.Join("..", "..")

	It("quotes the example's code exactly, so the two cannot drift apart", func() {
		guide, err := os.ReadFile(filepath.Join(sdkRoot, "README.md"))
		Expect(err).NotTo(HaveOccurred())
		found := excerpt.FindAllStringSubmatch(string(guide), -1)
		Expect(len(found)).To(BeNumerically(">=", 10), "the guide's excerpts")
		for _, m := range found {
			source, err := os.ReadFile(filepath.Join(sdkRoot, m[1]))
			Expect(err).NotTo(HaveOccurred(), "the guide quotes %s", m[1])
			Expect(strings.Contains(string(source), m[2])).To(BeTrue(),
				"the guide's excerpt of %s is not in that file; copy it again:\n%s", m[1], m[2])
		}
	})

	It("tells authors about every protocol-2 fixture of the kit", func() {
		guide, err := os.ReadFile(filepath.Join(sdkRoot, "README.md"))
		Expect(err).NotTo(HaveOccurred())
		for _, phrase := range []string{"ForgedWebhook", "MultiWebhook", "CRMRequests", "RefusedSettings", "canonicalised", "-race"} {
			Expect(string(guide)).To(ContainSubstring(phrase))
		}
	})
})
