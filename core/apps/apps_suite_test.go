package apps_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
)

func TestApps(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Apps Suite")
}

var _ = AfterSuite(storetest.Close)
