package morecrms_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
)

func mailerLiteSpecs(w *world) {
	const crm = "mailerlite"

	It("creates a user from subscriber.created only when the URL says add, with its groups as tags, and updates it", func(ctx SpecContext) {
		customers := w.ml.AddGroup("Customers")
		anna := w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918201", Email: "anna.ml@example.com",
			Fields: map[string]string{"name": "Anna", "last_name": "Muster", "city": "Köln"}, Groups: []string{customers}})

		out := w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "update").JSON(w.ml.SubscriberEvent("subscriber.created", anna))))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("ContactID", anna), HaveField("Outcome", "no_matching_user")))
		w.noUser(ctx, "anna.ml@example.com")

		out = w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON(w.ml.SubscriberEvent("subscriber.created", anna))))
		Expect(out).To(And(HaveField("Action", "add"), HaveField("ContactID", anna), HaveField("Outcome", "created")))
		u := w.user(ctx, "anna.ml@example.com")
		Expect(u).To(And(HaveField("FirstName", "Anna"), HaveField("LastName", "Muster"), HaveField("Fields", HaveKeyWithValue("city", "Köln"))))
		Expect(u.Tags).To(ConsistOf(tag(crm, customers, "Customers")))
		Expect(u.Contacts).To(ConsistOf(harnessContact(crm, anna)))

		w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: anna, Email: "anna.ml@example.com",
			Fields: map[string]string{"name": "Anna", "last_name": "Muster", "city": "Bonn"}, Groups: []string{customers}})
		out = w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON(w.ml.SubscriberEvent("subscriber.updated", anna))))
		Expect(out).To(And(HaveField("Action", "update"), HaveField("Outcome", "updated")))
		Expect(w.user(ctx, "anna.ml@example.com").Fields).To(HaveKeyWithValue("city", "Bonn"))
	})

	It("sets the user's tags on added_to_group and removed_from_group", func(ctx SpecContext) {
		members, vips := w.ml.AddGroup("Members"), w.ml.AddGroup("VIPs")
		ben := w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918202", Email: "ben.ml@example.com",
			Fields: map[string]string{"name": "Ben"}, Groups: []string{members}})
		Expect(w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON(w.ml.SubscriberEvent("subscriber.created", ben))))).To(HaveField("Outcome", "created"))

		w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: ben, Email: "ben.ml@example.com", Fields: map[string]string{"name": "Ben"}, Groups: []string{members, vips}})
		out := w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "update").JSON(w.ml.GroupEvent("subscriber.added_to_group", ben, vips))))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.ml@example.com").Tags).To(ConsistOf(tag(crm, members, "Members"), tag(crm, vips, "VIPs")))

		w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: ben, Email: "ben.ml@example.com", Fields: map[string]string{"name": "Ben"}, Groups: []string{vips}})
		out = w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "update").JSON(w.ml.GroupEvent("subscriber.removed_from_group", ben, members))))
		Expect(out).To(And(HaveField("Action", "update_tags"), HaveField("Outcome", "tags_updated")))
		Expect(w.user(ctx, "ben.ml@example.com").Tags).To(ConsistOf(tag(crm, vips, "VIPs")))
	})

	It("makes each subscriber of a batched request an item of its own", func(ctx SpecContext) {
		cleo := w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918203", Email: "cleo.ml@example.com", Fields: map[string]string{"name": "Cleo"}})
		dora := w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918204", Email: "dora.ml@example.com", Fields: map[string]string{"name": "Dora"}})

		out := w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON(w.ml.Batch(
			w.ml.SubscriberEvent("subscriber.created", cleo), w.ml.SubscriberEvent("subscriber.created", dora)))))
		Expect(out.Status).To(Equal("done"))
		Expect(out.Items).To(HaveExactElements(
			And(HaveField("ID", out.ID), HaveField("ContactID", cleo), HaveField("Action", "add"), HaveField("Outcome", "created")),
			And(HaveField("RequestID", out.ID), HaveField("ContactID", dora), HaveField("Action", "add"), HaveField("Outcome", "created")),
		))
		Expect(w.user(ctx, "cleo.ml@example.com").FirstName).To(Equal("Cleo"))
		Expect(w.user(ctx, "dora.ml@example.com").FirstName).To(Equal("Dora"))
	})

	It("ignores subscriber.deleted with its reason, and keeps the user", func(ctx SpecContext) {
		eve := w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918205", Email: "eve.ml@example.com", Fields: map[string]string{"name": "Eve"}})
		Expect(w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON(w.ml.SubscriberEvent("subscriber.created", eve))))).To(HaveField("Outcome", "created"))

		out := w.send(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON(w.ml.SubscriberEvent("subscriber.deleted", eve))))
		Expect(out).To(And(HaveField("ContactID", eve), ignored(`(?i)delete`)))
		w.user(ctx, "eve.ml@example.com")
	})

	It("refuses a forged, an unsigned and a malformed request at the door and stores none of them", func(ctx SpecContext) {
		finn := w.ml.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918206", Email: "finn.ml@example.com", Fields: map[string]string{"name": "Finn"}})
		before := len(w.events(ctx, crm))
		hook := w.hub.HookTo(crm, "add").JSON(w.ml.SubscriberEvent("subscriber.created", finn))

		for name, req := range map[string]harness.RawHook{
			"forged":   harness.SignedWith(hook, "not-the-webhook-secret"),
			"unsigned": hook,
		} {
			reply, err := w.hub.SendRaw(ctx, req.WithParam("wait", "20s"))
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusUnauthorized), "%s: %s", name, reply.Body)
		}
		reply, err := w.hub.SendRaw(ctx, w.ml.Signed(w.hub.HookTo(crm, "add").JSON([]byte(`{"event":"subscriber.created","id":`))))
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusBadRequest), string(reply.Body))

		Expect(w.events(ctx, crm)).To(HaveLen(before), "nothing stored")
		w.noUser(ctx, "finn.ml@example.com")
		lines, err := w.hub.Activity(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(lines).To(ContainElement(And(HaveField("CRM", crm), HaveField("Level", "warning"),
			HaveField("Message", HavePrefix("Webhook rejected at the door, nothing stored")))), "the operator sees the rejections")
	})
}
