package acme_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestAcme(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "example plugin: acme")
}
