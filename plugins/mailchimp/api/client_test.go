package api_test

import (
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/api"
	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The Mailchimp API client", func() {
	It("keeps a burst's connections for the next, up to Mailchimp's limit of connections", func(ctx SpecContext) {
		opened, err := sdktest.BurstsOpen(newFake().URL, 4, func(base string) (func() error, error) {
			c, err := api.New(api.Config{APIKey: apiKey, ListID: listID, BaseURL: base})
			return func() error { _, err := c.Member(ctx, annaHash); return err }, err
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})

	Describe("its settings", func() {
		It("takes the data center from the key's suffix", func() {
			Expect(api.Datacenter("abc-us21")).To(Equal("us21"))
		})
		DescribeTable("refuses a key without a data center, quoting no key",
			func(key string) {
				_, err := api.New(api.Config{APIKey: key, ListID: listID})
				Expect(err).To(MatchError(ContainSubstring("data center")))
				if key != "" {
					Expect(err.Error()).NotTo(ContainSubstring(key))
				}
			},
			Entry("no dash", "0123456789abcdef"), Entry("a trailing dash", "0123456789abcdef-"),
			Entry("no digits", "0123456789abcdef-usa"), Entry("empty", ""),
		)
	})

	Describe("reading", func() {
		It("gets a member with its tags and merge fields, an address flattened", func(ctx SpecContext) {
			m, err := newClient(newFake()).Member(ctx, annaHash)
			Expect(err).NotTo(HaveOccurred())
			Expect(m.ID).To(Equal(annaHash))
			Expect(m.Email).To(Equal("Anna@Example.com"))
			Expect(m.Tags).To(ConsistOf(api.Tag{ID: "2001", Name: "Customer"}))
			Expect(m.MergeFields).To(HaveKeyWithValue("FNAME", "Anna"))
			Expect(m.MergeFields).To(HaveKeyWithValue("ADDRESS.city", "Köln"))
		})

		It("keys a member by the hash of the lower-cased address", func() {
			Expect(api.SubscriberHash(" Anna@Example.COM ")).To(Equal(annaHash))
		})

		It("reads every tag and merge field across pages", func(ctx SpecContext) {
			fake := newFake()
			for i := range 1500 {
				fake.AddTag(fmt.Sprintf("tag %d", i))
			}
			for i := range 1001 {
				fake.AddMergeField(fakemailchimp.MergeField{Tag: fmt.Sprintf("F%d", i), Name: "f", Type: "text"})
			}
			c := newClient(fake)
			tags, err := c.Tags(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(tags).To(HaveLen(1501))
			fields, err := c.MergeFields(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(fields).To(HaveLen(1005))
			Expect(fields[2]).To(Equal(api.MergeField{Tag: "ADDRESS", Name: "Address", Type: "address"}))
			Expect(fields[2].FieldIDs()).To(ContainElement("ADDRESS.city"))
		})
	})

	Describe("writing", func() {
		It("writes a merge field and leaves the others", func(ctx SpecContext) {
			fake := newFake()
			Expect(newClient(fake).UpdateMergeFields(ctx, annaHash, map[string]string{"LNAME": "Schmidt"})).To(Succeed())
			m, _ := fake.Member(annaHash)
			Expect(m.MergeFields).To(HaveKeyWithValue("LNAME", "Schmidt"))
			Expect(m.MergeFields).To(HaveKeyWithValue("FNAME", "Anna"))
		})

		It("writes an address part with the rest of the address, which Mailchimp takes only whole", func(ctx SpecContext) {
			fake := newFake()
			Expect(newClient(fake).UpdateMergeFields(ctx, annaHash, map[string]string{"ADDRESS.city": "Bonn"})).To(Succeed())
			m, _ := fake.Member(annaHash)
			Expect(m.MergeFields).To(HaveKeyWithValue("ADDRESS.city", "Bonn"))
			Expect(m.MergeFields).To(HaveKeyWithValue("ADDRESS.addr1", "Ring 1"))
			Expect(m.MergeFields).To(HaveKeyWithValue("ADDRESS.zip", "50667"))
		})

		It("answers NotFound for an unknown member and Invalid for an unknown merge field", func(ctx SpecContext) {
			c := newClient(newFake())
			Expect(sdk.IsNotFound(c.UpdateMergeFields(ctx, api.SubscriberHash("x@y.example"), map[string]string{"FNAME": "x"}))).To(BeTrue())
			err := c.UpdateMergeFields(ctx, annaHash, map[string]string{"NOPE": "x"})
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring("Invalid Resource")))
		})
	})

	Describe("errors", func() {
		It("maps 401 API Key Invalid to Unauthenticated, never quoting the key", func(ctx SpecContext) {
			c := newClient(newFake(), func(cfg *api.Config) { cfg.APIKey = "ffffffffffffffffffffffffffffffff-us6" })
			_, err := c.Member(ctx, annaHash)
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring("API Key Invalid")))
			Expect(err.Error()).NotTo(ContainSubstring("ffffffff"))
		})

		It("maps 404 Resource Not Found of a member to NotFound, of the audience to Invalid", func(ctx SpecContext) {
			fake := newFake()
			_, err := newClient(fake).Member(ctx, api.SubscriberHash("nobody@example.com"))
			Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
			_, err = newClient(fake, func(cfg *api.Config) { cfg.ListID = "wrong" }).CheckList(ctx)
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring("check list_id")))
		})

		DescribeTable("asks to retry after the throttle wait when Mailchimp throttles",
			func(fault fakemailchimp.Fault) {
				fake := newFake()
				fake.Inject(fault)
				_, err := newClient(fake, func(cfg *api.Config) { cfg.ThrottleWait = 7 * time.Second }).Member(background(), annaHash)
				Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "%v", err)
				wait, _ := sdk.RetryAfter(err)
				Expect(wait).To(Equal(7 * time.Second))
			},
			Entry("a 429 without headers", fakemailchimp.Throttled("", 1)),
			Entry("a bare 403 (no problem JSON)", fakemailchimp.BareForbidden("", 1)),
		)

		It("maps a 403 problem (User Disabled) to Unauthenticated", func(ctx SpecContext) {
			fake := newFake()
			fake.Inject(fakemailchimp.UserDisabled("", 1))
			_, err := newClient(fake).Member(ctx, annaHash)
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		})

		It("maps a 5xx to Retryable without a wait of its own", func(ctx SpecContext) {
			fake := newFake()
			fake.Inject(fakemailchimp.ServerError("GET /3.0/lists/", 1))
			_, err := newClient(fake).Member(ctx, annaHash)
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
			_, has := sdk.RetryAfter(err)
			Expect(has).To(BeFalse())
		})

		It("gives up when the call's context ends while Mailchimp hangs", func(ctx SpecContext) {
			fake := newFake()
			release := fake.Stall()
			defer release()
			callCtx, cancel := contextWithCancel()
			done := make(chan error, 1)
			go func() { _, err := newClient(fake).Member(callCtx, annaHash); done <- err }()
			Eventually(fake.InFlight).Should(Equal(1))
			cancel()
			Eventually(done).Should(Receive(MatchError(ContainSubstring("context canceled"))))
		})
	})

	Describe("the 10 simultaneous connections", func() {
		It("the fake refuses an 11th connection with Mailchimp's 429", func(ctx SpecContext) {
			fake := newFake()
			release := fake.Stall()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer release()
			for range 10 {
				c := newClient(fake) // one client each: each holds its own 10 slots
				wg.Go(func() { _, _ = c.Member(ctx, annaHash) })
			}
			Eventually(fake.InFlight).Should(Equal(10))
			_, err := newClient(fake).Member(ctx, annaHash)
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
			Expect(err).To(MatchError(ContainSubstring("simultaneous connections")))
		})

		It("the client holds at most MaxConnections open, so it is never refused", func(ctx SpecContext) {
			fake := newFake()
			release := fake.Stall()
			c := newClient(fake)
			var wg sync.WaitGroup
			errs := make(chan error, 25)
			for range 25 {
				wg.Go(func() { _, err := c.Member(ctx, annaHash); errs <- err })
			}
			Eventually(fake.InFlight).Should(Equal(10))
			release()
			wg.Wait()
			close(errs)
			for err := range errs {
				Expect(err).NotTo(HaveOccurred())
			}
			Expect(fake.MaxInFlight()).To(Equal(10))
		})
	})
})
