package fakehubspot_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFakeHubSpot(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fake HubSpot")
}
