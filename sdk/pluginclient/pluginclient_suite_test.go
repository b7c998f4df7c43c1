package pluginclient_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestPluginClient(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "sdk/pluginclient")
}
