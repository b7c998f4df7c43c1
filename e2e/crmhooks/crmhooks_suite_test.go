// Package crmhooks_test drives the hub as a process with the real HubSpot
// and Salesforce plugins, which check every webhook at the door and turn
// one request into several items, against their fake APIs over HTTP, on
// SQLite and PostgreSQL.
package crmhooks_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
)

func TestCRMHooks(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "End-to-end: HubSpot and Salesforce webhooks", Label("e2e"))
}

// bins are the hub and KlickTipp plugin binaries, hubspot and salesforce
// the plugins under test, built once for the suite.
var (
	bins                harness.Binaries
	hubspot, salesforce string
)

var _ = BeforeSuite(func() {
	// Generous for a loaded machine: the hub is a separate process.
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	var err error
	bins, err = harness.Build()
	Expect(err).NotTo(HaveOccurred())
	hubspot, err = harness.BuildPlugin("hubspot")
	Expect(err).NotTo(HaveOccurred())
	salesforce, err = harness.BuildPlugin("salesforce")
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	storetest.Close()
	testbin.Cleanup()
})
