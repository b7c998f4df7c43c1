package durability_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
)

func TestDurability(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Durability drills", Label("durability"))
}

// bins are the hub and plugin binaries, built once for the suite.
var bins harness.Binaries

// testPlugin is the test CRM's plugin (internal/testplugin), whose
// requests may name several contacts.
var testPlugin string

var _ = BeforeSuite(func() {
	// A hub killed on PostgreSQL leaves its events to leases that must
	// run out (inbox.lease) before another process takes them over.
	SetDefaultEventuallyTimeout(2 * time.Minute)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	var err error
	bins, err = harness.Build()
	Expect(err).NotTo(HaveOccurred())
	testPlugin, err = testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin", "crmhub-plugin-test")
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	storetest.Close()
	testbin.Cleanup()
})
