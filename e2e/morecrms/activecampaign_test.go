package morecrms_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/activecampaign/fakeactivecampaign"
)

func activeCampaignSpecs(w *world) {
	const crm = "activecampaign"

	It("creates a user from Contact Subscribed only when the URL says add, with the contact's tags and fields", func(ctx SpecContext) {
		vip := w.ac.AddTag("VIP")
		anna := w.ac.AddContact(fakeactivecampaign.Contact{Email: "anna.ac@example.com", FirstName: "Anna", LastName: "Muster",
			Fields: map[string]string{w.acCity: "Köln"}, Tags: []string{vip}})

		out := w.send(ctx, w.hub.HookTo(crm, "update").FormBody(w.ac.Webhook("subscribe", anna)))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("ContactID", anna), HaveField("Outcome", "no_matching_user")))
		w.noUser(ctx, "anna.ac@example.com")

		out = w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.ac.Webhook("subscribe", anna)))
		Expect(out).To(And(HaveField("Action", "add"), HaveField("ContactID", anna), HaveField("Outcome", "created")))
		u := w.user(ctx, "anna.ac@example.com")
		Expect(u).To(And(HaveField("FirstName", "Anna"), HaveField("LastName", "Muster"), HaveField("Fields", HaveKeyWithValue("city", "Köln"))))
		Expect(u.Tags).To(ConsistOf(tag(crm, vip, "VIP")))
		Expect(u.Contacts).To(ConsistOf(harnessContact(crm, anna)))
	})

	It("updates the user on Contact Updated and Unsubscribed, and its tags on Tag Added and Tag Removed", func(ctx SpecContext) {
		customer, premium := w.ac.AddTag("Customer"), w.ac.AddTag("Premium")
		ben := w.ac.AddContact(fakeactivecampaign.Contact{Email: "ben.ac@example.com", FirstName: "Ben",
			Fields: map[string]string{w.acCity: "Bonn"}, Tags: []string{customer}})
		Expect(w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.ac.Webhook("subscribe", ben)))).To(HaveField("Outcome", "created"))

		w.ac.SetField(ben, w.acCity, "Berlin")
		out := w.send(ctx, w.hub.HookTo(crm, "update").FormBody(w.ac.Webhook("update", ben)))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("Outcome", "updated")))
		Expect(w.user(ctx, "ben.ac@example.com").Fields).To(HaveKeyWithValue("city", "Berlin"))

		w.ac.SetTags(ben, customer, premium)
		out = w.send(ctx, w.hub.HookTo(crm, "update").FormBody(w.ac.Webhook("contact_tag_added", ben)))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.ac@example.com").Tags).To(ConsistOf(tag(crm, customer, "Customer"), tag(crm, premium, "Premium")))

		w.ac.SetTags(ben, premium)
		out = w.send(ctx, w.hub.HookTo(crm, "update").FormBody(w.ac.Webhook("contact_tag_removed", ben)))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.ac@example.com").Tags).To(ConsistOf(tag(crm, premium, "Premium")))

		w.ac.SetField(ben, w.acCity, "Bremen")
		out = w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.ac.Webhook("unsubscribe", ben)))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("Outcome", "updated")), "an unsubscription never adds, whatever the URL says")
		Expect(w.user(ctx, "ben.ac@example.com").Fields).To(HaveKeyWithValue("city", "Bremen"))
	})

	It("ignores a campaign event with its reason, and gives an automation's webhook step the URL's action", func(ctx SpecContext) {
		vip := w.ac.AddTag("Insider")
		cleo := w.ac.AddContact(fakeactivecampaign.Contact{Email: "cleo.ac@example.com", FirstName: "Cleo"})
		before := w.ac.CallCount("")

		out := w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.ac.Webhook("open", cleo)))
		Expect(out).To(ignored(`ActiveCampaign event open is about a campaign e-mail`))
		Expect(w.ac.CallCount("")).To(Equal(before), "an ignored event costs no API call")
		w.noUser(ctx, "cleo.ac@example.com")

		Expect(w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.ac.Webhook("", cleo)))).To(
			And(HaveField("Action", "add"), HaveField("Outcome", "created")))
		w.ac.SetTags(cleo, vip)
		Expect(w.send(ctx, w.hub.HookTo(crm, "update_tags").FormBody(w.ac.Webhook("", cleo)))).To(
			And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "cleo.ac@example.com").Tags).To(ConsistOf(tag(crm, vip, "Insider")))
	})
}
