package testplugin_test

import (
	"context"
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

// broken is the test plugin with one deliberate mistake per kind of check.
type broken struct {
	*testplugin.CRM
	dir *testplugin.Directory
}

func (b broken) Info(ctx context.Context) (sdk.Info, error) {
	info, err := b.CRM.Info(ctx)
	info.Name, info.Version = "Test CRM", ""
	info.Settings[0].Secret = false // api_key
	return info, err
}

// Configure takes anything.
func (b broken) Configure(ctx context.Context, _ sdk.Settings) error {
	return b.CRM.Configure(ctx, testplugin.Settings())
}

// DecodeWebhook "decodes" what it cannot read.
func (b broken) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	d, err := b.CRM.DecodeWebhook(ctx, hook)
	if err != nil {
		return []sdk.Item{{ContactID: "0"}}, nil
	}
	return d, nil
}

// GetContact loses the error kind and ignores its context.
func (b broken) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	c, err := b.CRM.GetContact(context.WithoutCancel(ctx), id)
	if sdk.IsNotFound(err) {
		return c, errors.New("contact not found")
	}
	return c, err
}

// ListTags forgets one.
func (b broken) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	tags, err := b.CRM.ListTags(ctx)
	return tags[1:], err
}

var _ = Describe("the conformance kit", func() {
	It("passes the test plugin", func(ctx SpecContext) {
		Expect(sdktest.Run(ctx, testplugin.Kit(testplugin.NewDirectory()))).To(Succeed())
	})

	It("has a check for each thing the hub relies on, named as a sentence", func() {
		var names []string
		for _, c := range sdktest.Checks() {
			names = append(names, c.Name)
		}
		Expect(names).To(ContainElements(
			"Info is well-formed and declares the fixture settings",
			"Configure rejects bad settings as Invalid",
			"an invalid webhook decodes to Invalid",
			"GetContact of an unknown id is NotFound",
			"the known contact's tags are among ListTags",
			"UpdateContact writes a field that GetContact reads back",
			"the hub's deadline and cancellation reach the plugin",
		))
	})

	Describe("run against a broken plugin", Ordered, func() {
		var report string
		BeforeAll(func(ctx SpecContext) {
			dir := testplugin.NewDirectory()
			kit := testplugin.Kit(dir)
			kit.New = func() sdk.CRM { return broken{CRM: testplugin.New(dir), dir: dir} }
			kit.Patience = time.Second
			err := sdktest.Run(ctx, kit)
			Expect(err).To(HaveOccurred())
			report = err.Error()
		}, NodeTimeout(2*time.Minute))

		DescribeTable("says what to fix",
			func(advice string) { Expect(report).To(ContainSubstring(advice)) },
			Entry("a bad name", `Info.Name "Test CRM": use lower case letters, digits and dashes`),
			Entry("no version", `Info.Version is empty: give the plugin's version`),
			Entry("a secret not marked", `setting "api_key" looks secret: mark it Secret so the hub redacts it`),
			Entry("bad settings accepted", "Configure(bad settings) succeeded: return sdk.Invalid"),
			Entry("an unreadable webhook accepted", "decoding the invalid webhook succeeded: return sdk.Invalid"),
			Entry("NotFound lost", `GetContact("12345") of an unknown id failed with a retryable error (contact not found): return sdk.NotFound, so the hub ends the event as contact_not_found`),
			Entry("a tag not listed", `the known contact has tag "1" (Customer) that ListTags does not return`),
			Entry("the context ignored", "while the CRM hangs, GetContact kept running 1s after the hub's deadline: pass the call's ctx to every request to the CRM"),
		)

		It("does not blame the plugin for what it does right", func() {
			Expect(report).NotTo(ContainSubstring("UpdateContact writes a field"))
			Expect(report).NotTo(ContainSubstring("FindContact finds"))
		})
	})
})
