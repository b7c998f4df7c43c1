package testplugin_test

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("the test plugin in a drill", func() {
	It("has every synth- contact, and logs each GetContact to the call log, taking get_delay", func(ctx SpecContext) {
		log := filepath.Join(GinkgoT().TempDir(), "calls.log")
		crm := testplugin.New(testplugin.NewDirectory())
		Expect(crm.Configure(ctx, map[string]string{"api_key": testplugin.APIKey, "call_log": log, "get_delay": "20ms"})).To(Succeed())

		c, err := crm.GetContact(ctx, "synth-42")
		Expect(err).NotTo(HaveOccurred())
		Expect(c).To(And(HaveField("ID", "synth-42"), HaveField("Email", "synth-42@example.com")))
		_, err = crm.GetContact(ctx, "synth-x")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "not a synth- id: %v", err)

		calls, err := testplugin.ReadCalls(log)
		Expect(err).NotTo(HaveOccurred())
		Expect(calls).To(HaveExactElements(HaveField("ContactID", "synth-42"), HaveField("ContactID", "synth-x")))
		Expect(calls[0].End.After(calls[0].Start)).To(BeTrue())
		Expect(calls[0].Overlaps(calls[1])).To(BeFalse(), "one call after the other")
		Expect(calls[0].Overlaps(calls[0])).To(BeTrue())
	})

	It("refuses a get_delay that is not a duration", func(ctx SpecContext) {
		err := testplugin.New(testplugin.NewDirectory()).Configure(ctx, map[string]string{"api_key": testplugin.APIKey, "get_delay": "soon"})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "error: %v", err)
	})
})
