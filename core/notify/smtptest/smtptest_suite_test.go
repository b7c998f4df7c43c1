package smtptest_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSMTPTest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SMTP Test Server Suite")
}
