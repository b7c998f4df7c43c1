package store_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("the store's reader", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var s *store.Store

		BeforeEach(func() { s = db.Store() })

		It("reads while a transaction holds the writer, and sees the last commit", func(ctx SpecContext) {
			Expect(s.CreateUser(ctx, newUser("anna", "anna@example.com"))).To(Succeed())

			release := storetest.HoldWriter(s, func(ctx context.Context, tx *store.Tx) error {
				return tx.CreateUser(ctx, newUser("ben", "ben@example.com"))
			})

			// On SQLite the writer's one connection is the transaction's
			// until release: a read that needed it would wait until then.
			u, err := s.Reader().UserByEmail(ctx, "anna@example.com")
			Expect(err).NotTo(HaveOccurred())
			Expect(u.Username).To(Equal("anna"))
			_, err = s.Reader().UserByEmail(ctx, "ben@example.com")
			Expect(err).To(MatchError(store.ErrNotFound), "a transaction not committed yet is not seen")

			release()
			_, err = s.Reader().UserByEmail(ctx, "ben@example.com")
			Expect(err).NotTo(HaveOccurred(), "the last commit is seen")
		}, SpecTimeout(30*time.Second))
	})

	It("refuses a write on SQLite, where the writer is the only connection that may", func(ctx SpecContext) {
		s := storetest.OpenSQLite(GinkgoTB())
		err := s.Reader().CreateUser(ctx, newUser("anna", "anna@example.com"))
		Expect(err).To(MatchError(ContainSubstring("readonly")))
		_, err = s.UserByEmail(ctx, "anna@example.com")
		Expect(err).To(MatchError(store.ErrNotFound))
	})
})
