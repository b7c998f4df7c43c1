package main

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/internal/testbin"
)

func TestCrmhub(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "crmhub Command Suite")
}

var _ = AfterSuite(func() {
	storetest.Close()
	testbin.Cleanup()
})
