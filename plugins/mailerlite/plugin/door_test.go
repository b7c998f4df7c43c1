package plugin_test

import (
	"maps"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
	"github.com/crmhub/crmhub/plugins/mailerlite/plugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

const hookURL = "https://hub.example/hooks/mailerlite?action=update&access_key=k"

var groupEvent = []byte(`{"type":"subscriber.added_to_group","subscriber":{"id":"` + annaID + `","email":"anna@example.com"},` +
	`"group":{"id":"196965768156415638","name":"AP Capture Group"},"account_id":2599924,"api_version":"2025-05"}`)

func signed(body []byte, signature string) sdk.Request {
	h := map[string][]string{"Content-Type": {"application/json"}}
	if signature != "" {
		h[fakemailerlite.SignatureHeader] = []string{signature}
	}
	return sdk.Request{Method: "POST", URL: hookURL, Header: h, Body: body}
}

var _ = Describe("The door (CheckWebhook, over gRPC as the hub calls it)", func() {
	var client *pluginclient.Client
	connect := func(ctx SpecContext, settings map[string]string) {
		var stop func()
		var err error
		client, stop, err = sdktest.Serve(plugin.New())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(stop)
		Expect(client.Configure(ctx, settings)).To(Succeed())
	}
	check := func(ctx SpecContext, req sdk.Request) sdk.Verdict {
		v, err := client.CheckWebhook(ctx, req)
		Expect(err).NotTo(HaveOccurred())
		return v
	}

	Context("with webhook_secret set", func() {
		BeforeEach(func(ctx SpecContext) { connect(ctx, settingsFor(newFake())) })

		It("stores a request MailerLite signed", func(ctx SpecContext) {
			Expect(check(ctx, signed(groupEvent, fakemailerlite.Sign(groupEvent, secret))).Decision).To(Equal(sdk.DecisionAccept))
		})

		DescribeTable("refuses with 401, storing nothing, a forged or unsigned request",
			func(ctx SpecContext, req sdk.Request, reason string) {
				v := check(ctx, req)
				Expect(v.Decision).To(Equal(sdk.DecisionReject))
				Expect(v.RejectStatus()).To(Equal(http.StatusUnauthorized))
				Expect(v.Reason).To(Equal(reason))
				Expect(v.Reason).NotTo(ContainSubstring(secret))
			},
			Entry("no Signature header", signed(groupEvent, ""), "missing signature"),
			Entry("signed with another secret", signed(groupEvent, fakemailerlite.Sign(groupEvent, "other")), "bad signature"),
			Entry("a signature that is not hex", signed(groupEvent, "zz"+fakemailerlite.Sign(groupEvent, secret)[2:]), "bad signature"),
			Entry("a body changed after signing", signed(append([]byte(" "), groupEvent...), fakemailerlite.Sign(groupEvent, secret)), "bad signature"),
		)

		It("refuses with 400 a signed body that is not JSON", func(ctx SpecContext) {
			body := []byte(`{"type":"subscriber.added_to_group",`)
			v := check(ctx, signed(body, fakemailerlite.Sign(body, secret)))
			Expect(v.Decision).To(Equal(sdk.DecisionReject))
			Expect(v.RejectStatus()).To(Equal(http.StatusBadRequest))
			Expect(v.Reason).To(Equal("malformed JSON"))
		})
	})

	Context("without webhook_secret", func() {
		BeforeEach(func(ctx SpecContext) {
			settings := maps.Clone(settingsFor(newFake()))
			delete(settings, "webhook_secret")
			connect(ctx, settings)
		})

		It("stores an unsigned request", func(ctx SpecContext) {
			Expect(check(ctx, signed(groupEvent, "")).Decision).To(Equal(sdk.DecisionAccept))
		})

		It("still refuses malformed JSON with 400", func(ctx SpecContext) {
			v := check(ctx, signed([]byte("event=subscriber.created"), ""))
			Expect(v.RejectStatus()).To(Equal(http.StatusBadRequest))
		})
	})

	It("answers an error before Configure, so the hub answers 503 and MailerLite retries", func(ctx SpecContext) {
		c, stop, err := sdktest.Serve(plugin.New())
		Expect(err).NotTo(HaveOccurred())
		defer stop()
		_, err = c.CheckWebhook(ctx, signed(groupEvent, ""))
		Expect(err).To(HaveOccurred())
	})
})
