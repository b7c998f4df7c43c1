package plugin_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/plugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The door (CheckWebhook, over gRPC as the hub calls it)", func() {
	var check func(ctx SpecContext, req sdk.Request) sdk.Verdict
	BeforeEach(func(ctx SpecContext) {
		fake := newFake()
		client, stop, err := sdktest.Serve(plugin.New())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(stop)
		info, err := client.Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Webhooks.Check).To(BeTrue(), "Serve sees the WebhookChecker, so the hub checks every request")
		Expect(client.Configure(ctx, settingsFor(fake))).To(Succeed())
		check = func(ctx SpecContext, req sdk.Request) sdk.Verdict {
			v, err := client.CheckWebhook(ctx, req)
			Expect(err).NotTo(HaveOccurred())
			return v
		}
	})

	It("answers Mailchimp's validation GET with a 200 and stores nothing", func(ctx SpecContext) {
		v := check(ctx, sdk.Request{Method: "GET", URL: "https://hub.example/hooks/mailchimp?action=update&access_key=k"})
		Expect(v.Decision).To(Equal(sdk.DecisionAnswer))
		Expect(v.Answer.Status).To(Equal(http.StatusOK))
	})

	It("stores every POST: Mailchimp signs nothing, the URL's access key guards the door", func(ctx SpecContext) {
		v := check(ctx, sdk.Request{Method: "POST", URL: "https://hub.example/hooks/mailchimp?action=update&access_key=k",
			Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("type=profile&data[email]=a@b.example")})
		Expect(v.Decision).To(Equal(sdk.DecisionAccept))
	})
})
