package sdk_test

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("the error builders", func() {
	cause := fmt.Errorf("read the answer: %w", fs.ErrNotExist)

	DescribeTable("wrap their cause with %w, so errors.Is sees it and the kind stays",
		func(err error, kind sdk.Kind) {
			Expect(errors.Is(err, fs.ErrNotExist)).To(BeTrue(), "%v", err)
			Expect(sdk.KindOf(err)).To(Equal(kind))
			Expect(err.Error()).To(Equal("contact 7: read the answer: file does not exist"))
			// wrapped once more, as a plugin's call does, both still hold
			wrapped := fmt.Errorf("get contact: %w", err)
			Expect(errors.Is(wrapped, fs.ErrNotExist)).To(BeTrue())
			Expect(sdk.KindOf(wrapped)).To(Equal(kind))
		},
		Entry("NotFound", sdk.NotFound("contact %s: %w", "7", cause), sdk.KindNotFound),
		Entry("Invalid", sdk.Invalid("contact %s: %w", "7", cause), sdk.KindInvalid),
		Entry("Unauthenticated", sdk.Unauthenticated("contact %s: %w", "7", cause), sdk.KindUnauthenticated),
		Entry("Unsupported", sdk.Unsupported("contact %s: %w", "7", cause), sdk.KindUnsupported),
		Entry("Retryablef", sdk.Retryablef(time.Second, "contact %s: %w", "7", cause), sdk.KindRetryable),
		Entry("Retryable", sdk.Retryable(fmt.Errorf("contact %s: %w", "7", cause), 0), sdk.KindRetryable),
	)

	It("keep a Retry-After next to the cause", func() {
		err := sdk.Retryablef(30*time.Second, "rate limit: %w", cause)
		after, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeTrue())
		Expect(after).To(Equal(30 * time.Second))
		Expect(errors.Is(err, fs.ErrNotExist)).To(BeTrue())
	})
})
