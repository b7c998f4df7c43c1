package acceptance_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
)

func TestAcceptance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "End-to-end acceptance", Label("e2e"))
}

// bins are the hub and plugin binaries, built once for the suite.
var bins harness.Binaries

var _ = BeforeSuite(func() {
	// Generous for a loaded machine: the hub is a separate process.
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	var err error
	bins, err = harness.Build()
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	storetest.Close()
	testbin.Cleanup()
})
