package inbox_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
)

func TestInbox(t *testing.T) {
	RegisterFailHandler(Fail)
	// The workers run beside the race detector and, in CI, beside the
	// other suites' builds: a wait ends as soon as its condition holds, so
	// a generous bound costs nothing when the code is right.
	SetDefaultEventuallyTimeout(10 * time.Second)
	RunSpecs(t, "Inbox Suite")
}

var _ = AfterSuite(storetest.Close)
