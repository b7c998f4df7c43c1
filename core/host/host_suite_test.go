package host_test

import (
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/testbin"
)

func TestHost(t *testing.T) {
	RegisterFailHandler(Fail)
	// A plugin starts in a few milliseconds on an idle machine, in seconds
	// on a busy one: wait long enough for the busy one.
	SetDefaultEventuallyTimeout(30 * time.Second)
	RunSpecs(t, "core/host")
}

var _ = BeforeSuite(func() {
	var err error
	pluginBinary, err = testbin.Build(testPluginPkg, "crmhub-plugin-test")
	Expect(err).NotTo(HaveOccurred())
	hostBinary, err = testbin.Build(testHostPkg, "crmhub-testhost")
	Expect(err).NotTo(HaveOccurred())
})

// TestMain removes the binaries built for this run, after the specs and
// the benchmarks alike.
func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}
