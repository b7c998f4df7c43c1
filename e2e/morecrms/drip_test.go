package morecrms_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/drip/fakedrip"
)

func dripSpecs(w *world) {
	const crm = "drip"

	It("creates a user from subscriber.created only when the URL says add, and updates it on a custom field and an address changed", func(ctx SpecContext) {
		anna := w.dr.AddSubscriber(fakedrip.Subscriber{Email: "anna.drip@example.com",
			Attributes:   map[string]string{"first_name": "Anna", "last_name": "Muster", "city": "Köln"},
			CustomFields: map[string]string{"plan": "free"}, Tags: []string{"Customer"}})

		out := w.send(ctx, w.hub.HookTo(crm, "update").JSON(w.dr.Webhook("subscriber.created", anna, nil)))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("ContactID", anna), HaveField("Outcome", "no_matching_user")))
		w.noUser(ctx, "anna.drip@example.com")

		out = w.send(ctx, w.hub.HookTo(crm, "add").JSON(w.dr.Webhook("subscriber.created", anna, nil)))
		Expect(out).To(And(HaveField("Action", "add"), HaveField("ContactID", anna), HaveField("Outcome", "created")))
		u := w.user(ctx, "anna.drip@example.com")
		Expect(u).To(And(HaveField("FirstName", "Anna"), HaveField("LastName", "Muster"), HaveField("Fields", HaveKeyWithValue("city", "Köln"))))
		Expect(u.Tags).To(ConsistOf(tag(crm, "Customer", "Customer")))
		Expect(u.Contacts).To(ConsistOf(harnessContact(crm, anna)))

		w.dr.AddSubscriber(fakedrip.Subscriber{ID: anna, Email: "anna.drip@example.com",
			Attributes:   map[string]string{"first_name": "Anna", "last_name": "Muster", "city": "Bonn"},
			CustomFields: map[string]string{"plan": "pro"}, Tags: []string{"Customer"}})
		out = w.send(ctx, w.hub.HookTo(crm, "add").JSON(w.dr.Webhook("subscriber.updated_custom_field", anna,
			map[string]any{"identifier": "plan", "value": "pro", "previous_value": "free"})))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("Outcome", "updated")))
		Expect(w.user(ctx, "anna.drip@example.com").Fields).To(HaveKeyWithValue("city", "Bonn"))

		w.dr.AddSubscriber(fakedrip.Subscriber{ID: anna, Email: "anna.new.drip@example.com",
			Attributes: map[string]string{"first_name": "Anna", "last_name": "Muster", "city": "Bonn"}, Tags: []string{"Customer"}})
		out = w.send(ctx, w.hub.HookTo(crm, "update").JSON(w.dr.Webhook("subscriber.updated_email_address", anna,
			map[string]any{"previous_email": "anna.drip@example.com"})))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("Outcome", "updated")))
		Expect(w.user(ctx, "anna.new.drip@example.com").Contacts).To(ConsistOf(harnessContact(crm, anna)))
	})

	It("sets the user's tags from Drip's API on a tag applied or removed, never from the unsigned webhook", func(ctx SpecContext) {
		ben := w.dr.AddSubscriber(fakedrip.Subscriber{Email: "ben.drip@example.com",
			Attributes: map[string]string{"first_name": "Ben"}, Tags: []string{"Customer"}})
		Expect(w.send(ctx, w.hub.HookTo(crm, "add").JSON(w.dr.Webhook("subscriber.created", ben, nil)))).To(HaveField("Outcome", "created"))

		w.dr.SetTags(ben, "Customer", "VIP")
		before := w.dr.CallCount("")
		out := w.send(ctx, w.hub.HookTo(crm, "update").JSON(w.dr.Webhook("subscriber.applied_tag", ben, map[string]any{"tag": "VIP"})))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.drip@example.com").Tags).To(ConsistOf(tag(crm, "Customer", "Customer"), tag(crm, "VIP", "VIP")))
		Expect(w.dr.CallCount("")).To(BeNumerically(">", before), "the hub fetches the subscriber from Drip")

		// A forged webhook whose tag list grants VIP is not believed: Drip says Customer only.
		w.dr.SetTags(ben, "Customer")
		forged := w.dr.Webhook("subscriber.applied_tag", ben, map[string]any{"tag": "Admin"})
		forged = []byte(strings.Replace(string(forged), `"tags":["Customer"]`, `"tags":["Customer","VIP","Admin"]`, 1))
		Expect(string(forged)).To(ContainSubstring(`"Admin"]`))
		out = w.send(ctx, w.hub.HookTo(crm, "update").JSON(forged))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.drip@example.com").Tags).To(ConsistOf(tag(crm, "Customer", "Customer")))

		w.dr.SetTags(ben, "VIP")
		out = w.send(ctx, w.hub.HookTo(crm, "update").JSON(w.dr.Webhook("subscriber.removed_tag", ben, map[string]any{"tag": "Customer"})))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.drip@example.com").Tags).To(ConsistOf(tag(crm, "VIP", "VIP")))
	})

	It("gives an automation's HTTP Post the URL's action, and ignores a deleted subscriber with its reason", func(ctx SpecContext) {
		cleo := w.dr.AddSubscriber(fakedrip.Subscriber{Email: "cleo.drip@example.com", Attributes: map[string]string{"first_name": "Cleo"}})

		out := w.send(ctx, w.hub.HookTo(crm, "add").JSON(w.dr.HTTPPost(cleo, map[string]string{"source": "workflow"})))
		Expect(out).To(And(HaveField("Action", "add"), HaveField("ContactID", cleo), HaveField("Outcome", "created")))
		Expect(w.user(ctx, "cleo.drip@example.com").FirstName).To(Equal("Cleo"))

		out = w.send(ctx, w.hub.HookTo(crm, "add").JSON(w.dr.Webhook("subscriber.deleted", cleo, nil)))
		Expect(out).To(ignored(`(?i)delete`))
		Expect(w.user(ctx, "cleo.drip@example.com").Contacts).To(ConsistOf(harnessContact(crm, cleo)), "the user stays")
	})
}
