package inbox_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("contacts kept for the events stored before their fetch", func() {
	var (
		now     time.Time
		lookups inbox.Lookups
		contact sdk.Contact
	)
	// take is the contact taken for ids, or nil when none is kept for them.
	take := func(crm, contactID string, ids ...int64) *sdk.Contact {
		if c, ok := lookups.Take(crm, contactID, ids...); ok {
			return &c
		}
		return nil
	}
	BeforeEach(func() {
		now = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
		lookups = inbox.NewLookups(func() time.Time { return now })
		contact = sdk.Contact{ID: "7", Email: "a@example.com", Tags: []sdk.Tag{{ID: "1", Name: "buyer"}},
			Fields: map[string]string{"fieldFirstName": "Ada"}}
	})

	It("answers once for each event waiting at the claim, and for no other", func() {
		lookups.Keep("klicktipp", "7", contact, 0, 2, 3)
		Expect(take("klicktipp", "7", 4)).To(BeNil(), "not waiting at the claim")
		Expect(take("klicktipp", "8", 2)).To(BeNil(), "another contact")
		Expect(take("activecampaign", "7", 2)).To(BeNil(), "another CRM")
		Expect(take("klicktipp", "7", 2)).To(Equal(&contact))
		Expect(take("klicktipp", "7", 2)).To(BeNil(), "taken already")
		Expect(take("klicktipp", "7", 3, 4)).To(BeNil(), "4 was merged into 3, but did not wait")
		Expect(take("klicktipp", "7", 3)).To(Equal(&contact))
	})

	It("answers for every event numbered up to the last one stored before the fetch", func() {
		lookups.Keep("klicktipp", "7", contact, 10, 12)
		Expect(take("klicktipp", "7", 9)).To(Equal(&contact))
		Expect(take("klicktipp", "7", 10, 8)).To(Equal(&contact), "a claimed event and one merged into it")
		Expect(take("klicktipp", "7", 9)).To(Equal(&contact), "stored before the fetch, it may take it again")
		Expect(take("klicktipp", "7", 11)).To(BeNil(), "stored after the fetch began")
		Expect(take("klicktipp", "7", 10, 11)).To(BeNil(), "merged with one stored after")
		Expect(take("klicktipp", "7", 12)).To(Equal(&contact), "waiting at the claim: stored by another hub")
		Expect(take("klicktipp", "8", 9)).To(BeNil(), "another contact")
	})

	It("answers a later attempt only for an event that waited at the claim", func() {
		lookups.Keep("klicktipp", "7", contact, 10, 12)
		_, ok := lookups.TakeAgain("klicktipp", "7", 9)
		Expect(ok).To(BeFalse(), "applied again, it may come after newer events of the contact")
		again, ok := lookups.TakeAgain("klicktipp", "7", 12)
		Expect(ok).To(BeTrue())
		Expect(again).To(Equal(contact))
	})

	It("hands each event a copy of its own", func() {
		lookups.Keep("klicktipp", "7", contact, 0, 2, 3)
		first := take("klicktipp", "7", 2)
		first.Tags[0].Name, first.Fields["fieldFirstName"] = "changed", "changed"
		Expect(take("klicktipp", "7", 3)).To(Equal(&contact))
	})

	It("keeps nothing for no event, and a newer fetch in place of an older one", func() {
		lookups.Keep("klicktipp", "7", contact, 0)
		Expect(take("klicktipp", "7", 2)).To(BeNil())

		lookups.Keep("klicktipp", "7", contact, 0, 2)
		newer := sdk.Contact{ID: "7", Email: "b@example.com"}
		lookups.Keep("klicktipp", "7", newer, 5, 3)
		Expect(take("klicktipp", "7", 2)).To(Equal(&newer))
		Expect(take("klicktipp", "7", 3)).To(Equal(&newer))
	})

	It("forgets a contact after a while, and keeps a bounded number", func() {
		lookups.Keep("klicktipp", "7", contact, 9, 2)
		now = now.Add(inbox.LookupKept + time.Second)
		Expect(take("klicktipp", "7", 2)).To(BeNil(), "kept too long")
		Expect(take("klicktipp", "7", 9)).To(BeNil(), "kept too long")

		for i := range inbox.MaxLookups + 1 {
			lookups.Keep("klicktipp", fmt.Sprint(100+i), contact, 0, 1)
		}
		Expect(take("klicktipp", "100", 1)).To(Equal(&contact))
		Expect(take("klicktipp", fmt.Sprint(100+inbox.MaxLookups), 1)).To(BeNil(), "one too many")

		now = now.Add(inbox.LookupKept + time.Second) // the old ones make room
		lookups.Keep("klicktipp", "1", contact, 0, 1)
		Expect(take("klicktipp", "1", 1)).To(Equal(&contact))
	})

	It("makes room for a new contact among those whose waiting events are all applied", func() {
		for i := range inbox.MaxLookups {
			lookups.Keep("klicktipp", fmt.Sprint(100+i), contact, 50)
		}
		lookups.Keep("klicktipp", "waits", contact, 0, 1)
		Expect(take("klicktipp", "waits", 1)).To(Equal(&contact))

		lookups = inbox.NewLookups(func() time.Time { return now })
		for i := range inbox.MaxLookups {
			lookups.Keep("klicktipp", fmt.Sprint(100+i), contact, 0, 1)
		}
		lookups.Keep("klicktipp", "waits", contact, 0, 1)
		Expect(take("klicktipp", "waits", 1)).To(BeNil(), "every kept contact has an event waiting")
		Expect(take("klicktipp", "100", 1)).To(Equal(&contact))
	})
})
