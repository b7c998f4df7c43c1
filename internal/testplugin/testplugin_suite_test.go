package testplugin_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestTestPlugin(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "internal/testplugin")
}
