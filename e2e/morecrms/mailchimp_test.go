package morecrms_test

import (
	"net/http"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
)

func mailchimpSpecs(w *world) {
	const crm = "mailchimp"

	It("answers Mailchimp's validation GET at the door and stores nothing", func(ctx SpecContext) {
		before := len(w.events(ctx, crm))
		reply, err := w.hub.SendRaw(ctx, w.hub.HookTo(crm, "update").Get())
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
		Expect(w.events(ctx, crm)).To(HaveLen(before), "a validation stores no event")
	})

	It("creates a user from a subscribe only when the URL says add, and updates it on profile, unsubscribe and cleaned", func(ctx SpecContext) {
		customer := w.mc.AddTag("Customer")
		anna := w.mc.AddMember(fakemailchimp.Member{Email: "anna.mc@example.com",
			MergeFields: map[string]string{"FNAME": "Anna", "LNAME": "Muster"}, Tags: []int{customer}})

		out := w.send(ctx, w.hub.HookTo(crm, "update").FormBody(w.mc.Webhook("subscribe", anna)))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("ContactID", anna), HaveField("Outcome", "no_matching_user")))
		w.noUser(ctx, "anna.mc@example.com")

		out = w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.mc.Webhook("subscribe", anna)))
		Expect(out).To(And(HaveField("Action", "add"), HaveField("ContactID", anna), HaveField("Outcome", "created")))
		u := w.user(ctx, "anna.mc@example.com")
		Expect(u).To(And(HaveField("FirstName", "Anna"), HaveField("LastName", "Muster")))
		Expect(u.Tags).To(ConsistOf(tag(crm, strconv.Itoa(customer), "Customer")))
		Expect(u.Contacts).To(ConsistOf(harnessContact(crm, anna)))

		w.mc.AddMember(fakemailchimp.Member{Email: "anna.mc@example.com",
			MergeFields: map[string]string{"FNAME": "Anna", "LNAME": "Schmidt"}, Tags: []int{customer}})
		out = w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.mc.Webhook("profile", anna)))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("Outcome", "updated")))
		Expect(w.user(ctx, "anna.mc@example.com").LastName).To(Equal("Schmidt"))

		for _, kind := range []string{"unsubscribe", "cleaned"} {
			out = w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.mc.Webhook(kind, anna)))
			Expect(out).To(And(HaveField("Action", "update"), HaveField("ContactID", anna), HaveField("Outcome", "updated")), kind)
		}
		w.user(ctx, "anna.mc@example.com") // no user deleted
	})

	// The member's API id is the hash of its address, so an address
	// change gives the contact a new id: the hub has no way yet to move a
	// user's link to it, and the user stays on the old one. The item names
	// the old address and hash for the operator.
	It("names the member of an address change by its new address, noting the old one", func(ctx SpecContext) {
		old := w.mc.AddMember(fakemailchimp.Member{Email: "ben.mc@example.com", MergeFields: map[string]string{"FNAME": "Ben"}})
		Expect(w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.mc.Webhook("subscribe", old)))).To(HaveField("Outcome", "created"))

		moved := w.mc.AddMember(fakemailchimp.Member{Email: "ben.new.mc@example.com", MergeFields: map[string]string{"FNAME": "Ben"}})
		out := w.send(ctx, w.hub.HookTo(crm, "update").FormBody(w.mc.UpEmail("ben.mc@example.com", "ben.new.mc@example.com")))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("ContactID", moved), HaveField("Outcome", "no_matching_user")))
		ev, err := w.hub.Event(ctx, out.ID)
		Expect(err).NotTo(HaveOccurred())
		Expect(ev.Activity).To(ContainElement(HaveField("Message", And(ContainSubstring("ben.mc@example.com"), ContainSubstring(old)))))
		Expect(w.user(ctx, "ben.mc@example.com").Contacts).To(ConsistOf(harnessContact(crm, old)))
	})

	It("ignores a campaign event with its reason", func(ctx SpecContext) {
		cleo := w.mc.AddMember(fakemailchimp.Member{Email: "cleo.mc@example.com"})
		out := w.send(ctx, w.hub.HookTo(crm, "add").FormBody(w.mc.Webhook("campaign", cleo)))
		Expect(out).To(ignored(`campaign event: about a campaign, not a member`))
		w.noUser(ctx, "cleo.mc@example.com")
	})
}
