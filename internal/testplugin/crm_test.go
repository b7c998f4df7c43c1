package testplugin_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("the test plugin", func() {
	It("passes the sdk conformance kit", func(ctx SpecContext) {
		Expect(sdktest.Run(ctx, testplugin.Kit(testplugin.NewDirectory()))).To(Succeed())
	})

	DescribeTable("decodes a webhook",
		func(hook sdk.RawWebhook, want []sdk.Item, invalid bool) {
			got, err := testplugin.New(testplugin.NewDirectory()).DecodeWebhook(context.Background(), hook)
			Expect(sdk.IsInvalid(err)).To(Equal(invalid), "error: %v", err)
			Expect(got).To(Equal(want))
		},
		Entry("from the query", sdk.RawWebhook{Query: map[string][]string{"contact_id": {"7"}}}, []sdk.Item{{ContactID: "7"}}, false),
		Entry("from a form body", sdk.RawWebhook{Body: []byte("email=a%40example.com")}, []sdk.Item{{Email: "a@example.com"}}, false),
		Entry("from a JSON body", sdk.RawWebhook{ContentType: "application/json", Body: []byte(`{"contact_id":"7"}`)}, []sdk.Item{{ContactID: "7"}}, false),
		Entry("not from broken JSON", sdk.RawWebhook{ContentType: "application/json", Body: []byte(`{`)}, []sdk.Item(nil), true),
		Entry("not from an empty request", sdk.RawWebhook{}, []sdk.Item(nil), true),
		Entry("one item per id of a list, one of them ignored", sdk.RawWebhook{
			Query: map[string][]string{"contact_id": {"7,8,9"}, "action_for_8": {"ignore"}, "action_for_9": {"update"}}},
			[]sdk.Item{{ContactID: "7"}, sdk.Ignore("8", "the webhook said to ignore contact 8"), {ContactID: "9", Action: sdk.ActionUpdate}}, false),
	)

	It("fails as many Configure calls as fail_configure says, as retryable, then works", func(ctx SpecContext) {
		crm := testplugin.New(testplugin.NewDirectory())
		settings := map[string]string{"api_key": testplugin.APIKey, "fail_configure": "2"}
		for range 2 {
			err := crm.Configure(ctx, settings)
			Expect(err).To(HaveOccurred())
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		}
		Expect(crm.Configure(ctx, settings)).To(Succeed())
	})

	It("answers calls before Configure as Unauthenticated", func(ctx SpecContext) {
		_, err := testplugin.New(testplugin.NewDirectory()).GetContact(ctx, testplugin.Anna.ID)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue())
	})
})
