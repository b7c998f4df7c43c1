package webhook_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/webhook"
	"github.com/crmhub/crmhub/sdk"
)

func decode(body string) ([]sdk.Item, error) {
	return webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(body)})
}

// brief is an item without its notes, for comparing.
type brief struct {
	ID, Email string
	Action    sdk.Action
	Reason    string
}

func briefs(items []sdk.Item) []brief {
	out := make([]brief, len(items))
	for i, it := range items {
		out[i] = brief{it.ContactID, it.Email, it.Action, it.Reason}
	}
	return out
}

const (
	deleted = "the contact was deleted in HubSpot"
	privacy = "the contact was deleted for privacy (GDPR) in HubSpot"
)

var _ = Describe("decoding", func() {
	DescribeTable("one Webhooks-API event",
		func(event string, want brief) {
			items, err := decode("[" + event + "]")
			Expect(err).NotTo(HaveOccurred())
			Expect(briefs(items)).To(Equal([]brief{want}))
		},
		Entry("creation", `{"eventId":1,"subscriptionType":"contact.creation","objectId":123}`, brief{ID: "123"}),
		Entry("propertyChange", `{"eventId":2,"subscriptionType":"contact.propertyChange","objectId":123,"propertyName":"email","propertyValue":"a@b.c"}`, brief{ID: "123"}),
		Entry("associationChange, contact to company", `{"eventId":3,"subscriptionType":"contact.associationChange","fromObjectId":123,"toObjectId":77,"associationType":"CONTACT_TO_COMPANY","associationRemoved":false}`, brief{ID: "123"}),
		Entry("associationChange, company to contact", `{"eventId":3,"subscriptionType":"contact.associationChange","fromObjectId":77,"toObjectId":123,"associationType":"COMPANY_TO_CONTACT","associationRemoved":true}`, brief{ID: "123"}),
		Entry("associationChange without a contact end", `{"eventId":3,"subscriptionType":"contact.associationChange","fromObjectId":77,"toObjectId":78,"associationType":"COMPANY_TO_DEAL"}`,
			brief{Action: sdk.ActionIgnore, Reason: `event 3 contact.associationChange: associationType "COMPANY_TO_DEAL" names no contact end`}),
		Entry("associationChange without an associationType", `{"eventId":3,"subscriptionType":"contact.associationChange","fromObjectId":77,"toObjectId":78}`,
			brief{Action: sdk.ActionIgnore, Reason: `event 3 contact.associationChange: associationType "" names no contact end`}),
		Entry("restore", `{"eventId":4,"subscriptionType":"contact.restore","objectId":123}`, brief{ID: "123"}),
		Entry("deletion", `{"eventId":5,"subscriptionType":"contact.deletion","objectId":123}`, brief{ID: "123", Action: sdk.ActionIgnore, Reason: deleted}),
		Entry("privacyDeletion", `{"eventId":6,"subscriptionType":"contact.privacyDeletion","objectId":123}`, brief{ID: "123", Action: sdk.ActionIgnore, Reason: privacy}),
		Entry("merge → the primary", `{"eventId":7,"subscriptionType":"contact.merge","objectId":123,"primaryObjectId":200,"mergedObjectIds":[123,150]}`, brief{ID: "200"}),
		Entry("object.* of contacts", `{"eventId":8,"subscriptionType":"object.propertyChange","objectTypeId":"0-1","objectId":123}`, brief{ID: "123"}),
		Entry("company", `{"eventId":9,"subscriptionType":"company.creation","objectId":77}`, brief{Action: sdk.ActionIgnore, Reason: "1 event(s) about other objects than contacts"}),
		Entry("deal", `{"eventId":10,"subscriptionType":"deal.propertyChange","objectId":77}`, brief{Action: sdk.ActionIgnore, Reason: "1 event(s) about other objects than contacts"}),
		Entry("object.* of another type", `{"eventId":11,"subscriptionType":"object.creation","objectTypeId":"2-123","objectId":77}`, brief{Action: sdk.ActionIgnore, Reason: "1 event(s) about other objects than contacts"}),
		Entry("a 64-bit id, exact", `{"eventId":12,"subscriptionType":"contact.creation","objectId":9007199254740993}`, brief{ID: "9007199254740993"}),
	)

	It("makes one item per contact, in first-seen order, noting every event", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.creation","objectId":123},
			{"eventId":2,"subscriptionType":"contact.propertyChange","objectId":456,"propertyName":"firstname"},
			{"eventId":3,"subscriptionType":"contact.propertyChange","objectId":123,"propertyName":"email"},
			{"eventId":4,"subscriptionType":"company.creation","objectId":9}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(briefs(items)).To(Equal([]brief{{ID: "123"}, {ID: "456"},
			{Action: sdk.ActionIgnore, Reason: "1 event(s) about other objects than contacts"}}))
		Expect(items[0].Notes).To(Equal([]string{"event 1 contact.creation", "event 3 contact.propertyChange email"}))
		Expect(items[2].Notes).To(Equal([]string{"event 4 company.creation"}))
	})
	It("ignores a contact whose last event deletes it, and syncs one restored after", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":123},
			{"eventId":2,"subscriptionType":"contact.deletion","objectId":123},
			{"eventId":3,"subscriptionType":"contact.deletion","objectId":456},
			{"eventId":4,"subscriptionType":"contact.restore","objectId":456}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(briefs(items)).To(Equal([]brief{{ID: "123", Action: sdk.ActionIgnore, Reason: deleted}, {ID: "456"}}))
	})
	It("takes a contact's last word from occurredAt, not from the array's order", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.restore","objectId":123,"occurredAt":1564113600000},
			{"eventId":2,"subscriptionType":"contact.deletion","objectId":123,"occurredAt":1564113500000},
			{"eventId":3,"subscriptionType":"contact.deletion","objectId":456,"occurredAt":1564113700000},
			{"eventId":4,"subscriptionType":"contact.propertyChange","objectId":456,"occurredAt":1564113600000},
			{"eventId":5,"subscriptionType":"contact.restore","objectId":789,"occurredAt":1564113600000},
			{"eventId":6,"subscriptionType":"contact.deletion","objectId":789,"occurredAt":1564113600000}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(briefs(items)).To(Equal([]brief{{ID: "123"}, {ID: "456", Action: sdk.ActionIgnore, Reason: deleted},
			{ID: "789", Action: sdk.ActionIgnore, Reason: deleted}}))
	})
	It("never syncs a contact deleted for privacy, whatever follows", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.privacyDeletion","objectId":123},
			{"eventId":2,"subscriptionType":"contact.propertyChange","objectId":123}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(briefs(items)).To(Equal([]brief{{ID: "123", Action: sdk.ActionIgnore, Reason: privacy}}))
	})
	It("joins a merge with the primary's other events and notes the merged ids", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":200},
			{"eventId":2,"subscriptionType":"contact.merge","objectId":123,"primaryObjectId":200,"mergedObjectIds":[123,150]}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(briefs(items)).To(Equal([]brief{{ID: "200"}}))
		Expect(items[0].Notes).To(ContainElement("event 2 contact.merge (merged 123, 150 into 200)"))
	})

	DescribeTable("a workflow webhook",
		func(body string, want brief) {
			items, err := decode(body)
			Expect(err).NotTo(HaveOccurred())
			Expect(briefs(items)).To(Equal([]brief{want}))
		},
		Entry("the v1 contact shape", `{"vid":9153674,"canonical-vid":9153674,"merged-vids":[],"portal-id":62515,"is-contact":true,
			"properties":{"firstname":{"value":"My Street X"},"email":{"value":"jane@example.com"}},
			"identity-profiles":[{"vid":9153674,"identities":[{"type":"EMAIL","value":"other@example.com","is-primary":true}]}]}`,
			brief{ID: "9153674", Email: "jane@example.com"}),
		Entry("e-mail from the primary identity", `{"vid":9153674,"properties":{},
			"identity-profiles":[{"vid":9153674,"identities":[{"type":"LEAD_GUID","value":"x"},{"type":"EMAIL","value":"old@example.com"},{"type":"EMAIL","value":"test@test.com","is-primary":true}]}]}`,
			brief{ID: "9153674", Email: "test@test.com"}),
		Entry("canonical-vid over vid after a merge", `{"vid":1,"canonical-vid":2}`, brief{ID: "2"}),
		Entry("a 64-bit vid", `{"vid":18446744073709551615}`, brief{ID: "18446744073709551615"}),
	)

	It("keeps every contact of a batch with an associationChange, as HubSpot sends it (no objectId)", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":456,"propertyName":"firstname"},
			{"eventId":2,"subscriptionType":"contact.associationChange","fromObjectId":123,"toObjectId":77,"associationType":"CONTACT_TO_COMPANY","associationRemoved":false},
			{"eventId":3,"subscriptionType":"contact.associationChange","fromObjectId":77,"toObjectId":123,"associationType":"COMPANY_TO_CONTACT","associationRemoved":false}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(briefs(items)).To(Equal([]brief{{ID: "456"}, {ID: "123"}}))
		Expect(items[1].Notes).To(Equal([]string{
			"event 2 contact.associationChange (CONTACT_TO_COMPANY added: 123 → 77)",
			"event 3 contact.associationChange (COMPANY_TO_CONTACT added: 77 → 123)"}))
	})
	It("ignores a bad or unreadable event with its reason and keeps the rest of the batch", func() {
		items, err := decode(`[
			{"eventId":1,"subscriptionType":"contact.creation","objectId":123},
			{"eventId":2,"subscriptionType":"contact.creation"},
			{"eventId":3,"subscriptionType":"contact.creation","objectId":"abc"},
			{"eventId":4,"subscriptionType":"contact.creation","objectId":1.5},
			"not an event",
			{"eventId":6,"subscriptionType":"contact.propertyChange","objectId":456}]`)
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(6))
		Expect(briefs(items[:2])).To(Equal([]brief{{ID: "123"}, {ID: "456"}}))
		for _, it := range items[2:] {
			Expect(it.Action).To(Equal(sdk.ActionIgnore))
			Expect(it.ContactID).To(BeEmpty())
		}
		Expect(items[2].Reason).To(Equal(`event 2 contact.creation: no usable contact id (objectId "")`))
		Expect(items[3].Reason).To(HavePrefix("event #3 is not a readable HubSpot event"))
		Expect(items[4].Reason).To(Equal(`event 4 contact.creation: no usable contact id (objectId "1.5")`))
		Expect(items[5].Reason).To(HavePrefix("event #5 is not a readable HubSpot event"))
	})

	DescribeTable("Invalid, with a reason",
		func(body, reason string) {
			_, err := decode(body)
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(reason))
		},
		Entry("empty", "", "empty request"),
		Entry("an empty array", "[]", "empty event array"),
		Entry("not JSON", "vid=1", "not JSON"),
		Entry("broken JSON", `[{"objectId":`, "not valid JSON"),
		Entry("no ids in an object", `{"properties":{"email":{"value":"a@b.c"}}}`, "no contact id"),
	)
})
