package fakeklicktipp_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestFakeKlickTipp(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Fake KlickTipp API")
}
