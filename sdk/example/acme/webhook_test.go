package acme_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/example/acme"
	"github.com/crmhub/crmhub/sdk/example/acme/acmetest"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
)

var _ = Describe("the Acme plugin at the door (CheckWebhook)", func() {
	var (
		fake   *acmefake.Server
		plugin *acme.Plugin
		anna   = acmefake.Anna
	)
	BeforeEach(func(ctx SpecContext) {
		fake = acmefake.New()
		DeferCleanup(fake.Close)
		plugin = configured(ctx, fake, nil)
	})
	signed := func() sdk.RawWebhook {
		return acmetest.Webhook("contact.updated", event("evt_1", anna), acmefake.WebhookSecret)
	}

	It("accepts a request Acme signed, checked against the receipt time, not the clock", func(ctx SpecContext) {
		hook := signed()
		Expect(time.Since(hook.ReceivedAt)).To(BeNumerically(">", 24*time.Hour), "received long ago: a replay")
		Expect(plugin.CheckWebhook(ctx, door(hook))).To(Equal(sdk.Accept()))
	})

	It("finds Acme's headers by their canonical keys, whatever Acme's spelling", func(ctx SpecContext) {
		hook := signed()
		Expect(hook.Header).To(HaveKey("X-ACME-Signature"), "as Acme spells it")
		Expect(door(hook).Header).To(HaveKey("X-Acme-Signature"), "as the hub hands it over")
		Expect(plugin.CheckWebhook(ctx, door(hook))).To(Equal(sdk.Accept()))
	})

	DescribeTable("rejects, storing nothing, with a reason free of secrets",
		func(ctx SpecContext, change func(*sdk.Request), reason string) {
			req := door(signed())
			change(&req)
			v, err := plugin.CheckWebhook(ctx, req)
			Expect(err).NotTo(HaveOccurred())
			Expect(v.Decision).To(Equal(sdk.DecisionReject))
			Expect(v.RejectStatus()).To(Equal(http.StatusUnauthorized))
			Expect(v.Reason).To(HavePrefix(reason))
			Expect(v.Reason).NotTo(ContainSubstring(acmefake.WebhookSecret))
		},
		Entry("a signature with another secret", func(r *sdk.Request) {
			r.Header = door(acmetest.Webhook("contact.updated", event("evt_1", acmefake.Anna), "whsec_guessed")).Header
		}, "bad Acme signature"),
		Entry("a body changed after signing", func(r *sdk.Request) { r.Body = append(r.Body[:len(r.Body):len(r.Body)], ' ') }, "bad Acme signature"),
		Entry("no signature", func(r *sdk.Request) { r.Header = map[string][]string{"X-Acme-Event": {"contact.updated"}} }, "no Acme signature"),
		Entry("a timestamp more than max_age from receipt", func(r *sdk.Request) { r.ReceivedAt = r.ReceivedAt.Add(6 * time.Minute) }, "Acme timestamp 6m3s from receipt"),
		Entry("another account's event, signed with the same secret", func(r *sdk.Request) {
			*r = door(acmetest.Webhook("contact.updated", acmefake.Event{ID: "evt_9", AccountID: "acc_other", Contacts: []acmefake.Contact{acmefake.Anna}}, acmefake.WebhookSecret))
		}, "webhook of another Acme account"),
	)

	It("answers Acme's subscription handshake with its challenge and stores nothing", func(ctx SpecContext) {
		req := sdk.Request{Method: "GET", URL: "https://hub.example.com/hooks/acme?access_key=k&acme_challenge=ch4llenge", ReceivedAt: acmetest.ReceivedAt}
		Expect(plugin.CheckWebhook(ctx, req)).To(Equal(sdk.Respond(sdk.Answer{Status: 200, ContentType: "text/plain", Body: []byte("ch4llenge")})))
	})

	It("answers Unauthenticated before it is configured, so the hub answers 503 and Acme retries", func(ctx SpecContext) {
		_, err := acme.New().CheckWebhook(ctx, door(signed()))
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
	})

	It("checks with the secret of the last Configure that succeeded", func(ctx SpecContext) {
		rotated := hubSettings(ctx, fake, map[string]string{"webhook_secret": "whsec_rotated"})
		Expect(plugin.Configure(ctx, rotated)).To(Succeed())
		Expect(plugin.CheckWebhook(ctx, door(signed()))).To(HaveField("Decision", sdk.DecisionReject))
		Expect(plugin.CheckWebhook(ctx, door(acmetest.Webhook("contact.updated", event("evt_1", anna), "whsec_rotated")))).To(Equal(sdk.Accept()))
	})
})

var _ = Describe("the Acme plugin's decoder (DecodeWebhook)", func() {
	var (
		fake      *acmefake.Server
		plugin    *acme.Plugin
		anna, ben = acmefake.Anna, acmefake.Ben
	)
	BeforeEach(func(ctx SpecContext) {
		fake = acmefake.New()
		DeferCleanup(fake.Close)
		plugin = configured(ctx, fake, nil)
	})
	decode := func(ctx SpecContext, eventType string, contacts ...acmefake.Contact) ([]sdk.Item, error) {
		return plugin.DecodeWebhook(ctx, stored(acmetest.Webhook(eventType, event("evt_5", contacts...), acmefake.WebhookSecret)))
	}

	DescribeTable("maps each Acme event type to an action",
		func(ctx SpecContext, eventType string, want sdk.Item) {
			items, err := decode(ctx, eventType, ben)
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(1))
			Expect(items[0]).To(And(HaveField("ContactID", want.ContactID), HaveField("Action", want.Action), HaveField("Reason", want.Reason)))
		},
		Entry("contact.created → add", "contact.created", sdk.Item{ContactID: ben.ID, Action: sdk.ActionAdd}),
		Entry("contact.updated → update", "contact.updated", sdk.Item{ContactID: ben.ID, Action: sdk.ActionUpdate}),
		Entry("contact.tagged → update_tags", "contact.tagged", sdk.Item{ContactID: ben.ID, Action: sdk.ActionUpdateTags}),
		Entry("contact.untagged → update_tags", "contact.untagged", sdk.Item{ContactID: ben.ID, Action: sdk.ActionUpdateTags}),
		Entry("contact.deleted → ignore", "contact.deleted", sdk.Ignore(ben.ID, "the contact was deleted in Acme")),
		Entry("an event type it does not know → ignore", "invoice.paid", sdk.Ignore(ben.ID, "Acme event invoice.paid is not about a contact's data")),
		Entry("an event type in ignore_events (default contact.viewed) → ignore", "contact.viewed", sdk.Ignore(ben.ID, "contact.viewed is in the setting ignore_events")),
	)

	It("returns one item per contact the request names, each with a note", func(ctx SpecContext) {
		items, err := decode(ctx, "contact.tagged", anna, ben)
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(Equal([]sdk.Item{
			{ContactID: anna.ID, Email: anna.Email, Action: sdk.ActionUpdateTags, Notes: []string{"Acme event evt_5 (contact.tagged)"}},
			{ContactID: ben.ID, Email: ben.Email, Action: sdk.ActionUpdateTags, Notes: []string{"Acme event evt_5 (contact.tagged)"}},
		}))
	})

	It("carries the contact of contact.updated, so the hub does not fetch it, unless carry_contacts is false", func(ctx SpecContext) {
		items, err := decode(ctx, "contact.updated", anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Contact).To(Equal(&sdk.Contact{ID: anna.ID, Email: anna.Email, Tags: []sdk.Tag{{ID: "t_1", Name: "Customer"}}, Fields: anna.Fields}))

		plugin = configured(ctx, fake, map[string]string{"carry_contacts": "false"})
		items, err = decode(ctx, "contact.updated", anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Contact).To(BeNil())
	})

	It("calls nobody, and decodes a request received long ago as it did then", func(ctx SpecContext) {
		before := fake.Requests()
		_, err := decode(ctx, "contact.updated", anna, ben)
		Expect(err).NotTo(HaveOccurred())
		Expect(fake.Requests()).To(Equal(before))
	})

	It("leaves the request's maps and body as they were", func(ctx SpecContext) {
		hook := stored(acmetest.Webhook("contact.updated", event("evt_5", anna), acmefake.WebhookSecret))
		hook.Query = map[string][]string{"action": {"update"}}
		keep := stored(acmetest.Webhook("contact.updated", event("evt_5", anna), acmefake.WebhookSecret))
		keep.Query = map[string][]string{"action": {"update"}}
		_, err := plugin.DecodeWebhook(ctx, hook)
		Expect(err).NotTo(HaveOccurred())
		_, err = plugin.CheckWebhook(ctx, door(hook))
		Expect(err).NotTo(HaveOccurred())
		Expect(reflect.DeepEqual(hook, keep)).To(BeTrue())
	})

	DescribeTable("fails what it cannot read as Invalid, with a reason",
		func(ctx SpecContext, hook sdk.RawWebhook, reason string) {
			_, err := plugin.DecodeWebhook(ctx, stored(hook))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring(reason)))
		},
		Entry("no X-Acme-Event", sdk.RawWebhook{Method: "POST", Body: []byte(`{}`)}, "no X-Acme-Event header"),
		Entry("no contacts", acmetest.Webhook("contact.updated", event("evt_6"), acmefake.WebhookSecret), "Acme event evt_6 names no contact"),
		Entry("a contact without id", acmetest.Webhook("contact.updated", event("evt_7", acmefake.Contact{Email: "x@example.com"}), acmefake.WebhookSecret), "contact 1 of Acme event evt_7 has no id"),
	)

	It("wraps the JSON error of a body that is not JSON, so errors.As finds it", func(ctx SpecContext) {
		_, err := plugin.DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST", Header: map[string][]string{"X-Acme-Event": {"contact.updated"}}, Body: []byte("<xml/>")})
		Expect(sdk.IsInvalid(err)).To(BeTrue())
		var syntax *json.SyntaxError
		Expect(errors.As(err, &syntax)).To(BeTrue(), "%v", err)
	})
})
