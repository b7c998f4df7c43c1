package console_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
)

func TestConsole(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Web console in a browser", Label("e2e", "browser"))
}

// bins are the hub and plugin binaries, built once for the suite.
var bins harness.Binaries

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	var err error
	bins, err = harness.Build()
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(testbin.Cleanup)
