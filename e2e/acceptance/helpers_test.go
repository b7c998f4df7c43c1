package acceptance_test

import (
	"context"
	"strconv"

	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
)

// What the hub holds, read from its store. The specs look through these
// few functions only, in the shapes of the admin API (DESIGN §3), so they
// read the same once they ask the API instead.

// users lists every user.
func users(ctx context.Context, st *store.Store) []harness.User {
	var rows []store.User
	Expect(st.DB().NewSelect().Model(&rows).Order("id").Scan(ctx)).To(Succeed())
	out := make([]harness.User, len(rows))
	for i, u := range rows {
		out[i] = harness.User{
			ID: strconv.FormatInt(u.ID, 10), Username: u.Username, Email: u.Email, Role: u.Role,
			FirstName: u.FirstName, LastName: u.LastName, Fields: map[string]string{},
		}
		fields, err := st.Fields(ctx, u.ID)
		Expect(err).NotTo(HaveOccurred())
		for name, value := range fields {
			out[i].Fields[name] = value
		}
		links, err := st.Links(ctx, u.ID)
		Expect(err).NotTo(HaveOccurred())
		for _, l := range links {
			out[i].Contacts = append(out[i].Contacts, harness.Contact{CRM: l.CRM, ContactID: l.ContactID})
		}
		tags, err := st.Tags(ctx, u.ID)
		Expect(err).NotTo(HaveOccurred())
		for _, t := range tags {
			out[i].Tags = append(out[i].Tags, harness.Tag{CRM: t.CRM, ID: t.TagID, Name: t.TagName})
		}
	}
	return out
}

// events lists every event, oldest first.
func events(ctx context.Context, st *store.Store) []harness.Outcome {
	var rows []store.Event
	Expect(st.DB().NewSelect().Model(&rows).Order("id").Scan(ctx)).To(Succeed())
	out := make([]harness.Outcome, len(rows))
	for i, ev := range rows {
		out[i] = harness.Outcome{
			ID: strconv.FormatInt(ev.ID, 10), CRM: ev.CRM, Action: ev.Action, ContactID: ev.ContactID,
			Status: ev.Status, Outcome: ev.Outcome, Message: ev.Message,
		}
		if ev.UserID != nil {
			out[i].UserID = strconv.FormatInt(*ev.UserID, 10)
		}
	}
	return out
}

// activity lists the activity log's messages, newest first.
func activity(ctx context.Context, st *store.Store) []string {
	lines, err := st.RecentActivity(ctx, 100, 0)
	Expect(err).NotTo(HaveOccurred())
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Message
	}
	return out
}

// passwordHash is a user's stored password hash: no API shows it, so the
// specs read the store to check that a password sent out is the user's.
func passwordHash(ctx context.Context, st *store.Store, userID string) string {
	id, err := strconv.ParseInt(userID, 10, 64)
	Expect(err).NotTo(HaveOccurred())
	u, err := st.UserByID(ctx, id)
	Expect(err).NotTo(HaveOccurred())
	return u.PasswordHash
}

// replay re-queues a failed or dead event.
func replay(ctx context.Context, _ *harness.Hub, st *store.Store, eventID string) {
	id, err := strconv.ParseInt(eventID, 10, 64)
	Expect(err).NotTo(HaveOccurred())
	Expect(st.Replay(ctx, store.ReplayFilter{IDs: []int64{id}})).To(ConsistOf(id))
}
