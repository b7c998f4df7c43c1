package signature_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSignature(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "HubSpot signatures")
}
