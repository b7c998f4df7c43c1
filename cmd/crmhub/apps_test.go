package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("The apps commands", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		var (
			st     *store.Store
			config string
			change *store.Change
		)
		BeforeEach(func(ctx SpecContext) {
			st = db.Store()
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				wh, _ := standardwebhooks.NewWebhook(secret)
				var body json.RawMessage
				_ = json.NewDecoder(r.Body).Decode(&body)
				if wh.Verify(body, r.Header) != nil {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			DeferCleanup(app.Close)
			config = writeConfig(db.URL(), `
apps:
  shop: { url: "`+app.URL+`", secret: `+secret+` }
  reader: { token: the-reader-token-0123 }
`)
			change = &store.Change{UserID: 1, Type: "user.created", Sequence: 1, Data: `{}`}
			Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.AddChange(ctx, change, []string{"shop"}) })).To(Succeed())
		})

		It("list the apps with their deliveries, in the API's shape with --json", func(ctx SpecContext) {
			r := crmhub(ctx, "apps", "list", "--config", config, "--json")
			Expect(r.code).To(BeZero(), r.stderr)
			var list server.List[server.App]
			Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
			Expect(list.Items).To(HaveLen(2))
			Expect(list.Items[1].Name).To(Equal("shop"))
			Expect(list.Items[1].Deliveries).To(HaveKeyWithValue("pending", 1))

			r = crmhub(ctx, "apps", "list", "--config", config)
			Expect(r.stdout).To(MatchRegexp(`shop\s+true`))
		})

		It("list an app's URL without the password it holds", func(ctx SpecContext) {
			withCredentials := writeConfig(db.URL(), `
apps:
  shop: { url: "https://shop:hook-password@shop.example/hook", secret: `+secret+` }
`)
			for _, args := range [][]string{{"--json"}, {}} {
				r := crmhub(ctx, append([]string{"apps", "list", "--config", withCredentials}, args...)...)
				Expect(r.code).To(BeZero(), r.stderr)
				Expect(r.stdout).NotTo(ContainSubstring("hook-password"))
				Expect(r.stdout).To(ContainSubstring("shop.example/hook"))
			}
		})

		It("list an app's deliveries, and replay the dead ones", func(ctx SpecContext) {
			r := crmhub(ctx, "apps", "deliveries", "shop", "--config", config, "--json")
			Expect(r.code).To(BeZero(), r.stderr)
			var list server.List[server.Delivery]
			Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
			Expect(list.Items).To(HaveLen(1))
			Expect(list.Items[0].Status).To(Equal("pending"))

			_, err := st.DB().NewUpdate().Model((*store.AppDelivery)(nil)).Set("status = 'dead'").Where("change_id = ?", change.ID).Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			r = crmhub(ctx, "apps", "replay", "shop", "--since", "1h", "--config", config, "--json")
			Expect(r.code).To(BeZero(), r.stderr)
			Expect(r.stdout).To(MatchJSON(`{"replayed":1}`))

			Expect(crmhub(ctx, "apps", "deliveries", "nosuch", "--config", config).code).NotTo(BeZero())
		})

		It("send a signed test message and show the answer", func(ctx SpecContext) {
			r := crmhub(ctx, "apps", "test", "shop", "--config", config, "--json")
			Expect(r.code).To(BeZero(), r.stderr)
			var reply server.TestReply
			Expect(json.Unmarshal([]byte(r.stdout), &reply)).To(Succeed())
			Expect(reply.Status).To(Equal(http.StatusNoContent), "the app verified the signature")

			r = crmhub(ctx, "apps", "test", "reader", "--config", config)
			Expect(r.code).NotTo(BeZero())
			Expect(r.stderr).To(ContainSubstring("no url"))
		})
	})
})
