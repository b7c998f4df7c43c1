// Package morecrms_test drives the hub as a process with the plugins of
// ActiveCampaign, Drip, Mailchimp and MailerLite against their fakes, on
// SQLite and PostgreSQL: each CRM's real webhook shapes create and update
// users, ignored events are recorded with their reason, and a forged or
// malformed request to a CRM that signs its requests is stored nowhere.
package morecrms_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/internal/testbin"
)

func TestMoreCRMs(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "End-to-end: ActiveCampaign, Drip, Mailchimp and MailerLite", Label("e2e"))
}

var _ = BeforeSuite(func() {
	// Generous for a loaded machine: the hub and its plugins are processes.
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
})

var _ = AfterSuite(func() {
	storetest.Close()
	testbin.Cleanup()
})
