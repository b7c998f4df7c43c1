package gcfloor_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestGCFloor(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "GC Floor Suite")
}
