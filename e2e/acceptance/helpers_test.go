package acceptance_test

import (
	"context"
	"strconv"

	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
)

// What the hub holds, as its admin API shows it.

// users lists every user.
func users(ctx context.Context, hub *harness.Hub) []harness.User {
	list, err := hub.Users(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	return list
}

// events lists every event.
func events(ctx context.Context, hub *harness.Hub) []harness.Outcome {
	list, err := hub.Events(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	return list
}

// activity lists the activity log's messages, newest first.
func activity(ctx context.Context, hub *harness.Hub) []string {
	lines, err := hub.Activity(ctx)
	Expect(err).NotTo(HaveOccurred())
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Message
	}
	return out
}

// passwordHash is a user's stored password hash. No API shows it, so the
// specs read it from the store to check that a password sent out is the
// user's.
func passwordHash(ctx context.Context, st *store.Store, userID string) string {
	id, err := strconv.ParseInt(userID, 10, 64)
	Expect(err).NotTo(HaveOccurred())
	u, err := st.UserByID(ctx, id)
	Expect(err).NotTo(HaveOccurred())
	return u.PasswordHash
}
