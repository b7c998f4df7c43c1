package fakemailchimp_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFakemailchimp(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fake Mailchimp")
}
