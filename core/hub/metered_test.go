package hub

import (
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The metered CRM calls", func() {
	DescribeTable("name how a CRM call failed",
		func(err error, want string) { Expect(errorKind(err)).To(Equal(want)) },
		Entry("it did not", nil, ""),
		Entry("plugin down", fmt.Errorf("crm x: %w", host.ErrPluginDown), "plugin_down"),
		Entry("not found", sdk.NotFound("x"), "not_found"),
		Entry("invalid", sdk.Invalid("x"), "invalid"),
		Entry("unauthenticated", sdk.Unauthenticated("x"), "unauthenticated"),
		Entry("unsupported", sdk.Unsupported("x"), "unsupported"),
		Entry("anything else", errors.New("x"), "retryable"),
	)
})
