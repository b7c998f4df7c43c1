package store_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("Sign-in", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s *store.Store
			u *store.User
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			u = newUser("anna", "anna@example.com")
			u.PasswordHash = "verified-hash"
			Expect(s.CreateUser(ctx, u)).To(Succeed())
		})
		hashOf := func(ctx context.Context) string {
			got, err := s.UserByID(ctx, u.ID)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return got.PasswordHash
		}

		It("replaces the password hash that was verified", func(ctx SpecContext) {
			replaced, err := s.ReplacePasswordHash(ctx, u.ID, "verified-hash", "upgraded-hash")
			Expect(err).NotTo(HaveOccurred())
			Expect(replaced).To(BeTrue())
			Expect(hashOf(ctx)).To(Equal("upgraded-hash"))
		})

		It("leaves a password changed since it was verified", func(ctx SpecContext) {
			u.PasswordHash = "changed-in-the-crm"
			Expect(s.UpdateUser(ctx, u)).To(Succeed())

			replaced, err := s.ReplacePasswordHash(ctx, u.ID, "verified-hash", "upgraded-hash")
			Expect(err).NotTo(HaveOccurred())
			Expect(replaced).To(BeFalse())
			Expect(hashOf(ctx)).To(Equal("changed-in-the-crm"))
		})
	})
})
