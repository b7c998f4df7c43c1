package store_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// Reads whose cost must not grow with a table: each is served by a range
// of an index, not by reading the table through. A small table's timing
// would not tell, so the specs read the databases' plans, SQLite's with
// onSQLite and PostgreSQL's with onPostgres.
var _ = Describe("query plans", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var s *store.Store
		BeforeEach(func() { s = db.Store() })

		It("read usernames by prefix as a range of an index", func(ctx SpecContext) {
			query, args := store.UsernamesWithPrefixQuery(s, "anna")
			Expect(queryPlan(ctx, s, query, args)).To(Or(
				onSQLite("SEARCH users USING COVERING INDEX users_username (username>? AND username<?)"),
				onPostgres("users_username_bytewise", "Index Cond: ((username >= 'anna'::text) AND (username < 'annb'::text))"),
			))
		})

		It("find a user by login through indexes", func(ctx SpecContext) {
			Expect(queryPlan(ctx, s, store.UserByLoginQuery(s, "Anna"), nil)).To(Or(
				onSQLite("SEARCH user USING INDEX users_username_lower (<expr>=?)"),
				onPostgres("users_username_lower", "Index Cond: (lower(username) = 'anna'::text)"),
			))
		})

		It("count the outcomes of recent events from the floor on by id", func(ctx SpecContext) {
			Expect(queryPlan(ctx, s, store.OutcomesSinceQuery(s, 1000, time.Now()), nil)).To(Or(
				onSQLite("SEARCH event USING INTEGER PRIMARY KEY (rowid>?)"),
				onPostgres("events_pkey", "Index Cond: (id > 1000)"),
			))
		})

		It("find users by a contact id without its CRM through an index of the links", func(ctx SpecContext) {
			Expect(queryPlan(ctx, s, store.ListUsersQuery(s, store.UserFilter{ContactID: "1001"}), nil)).To(Or(
				onSQLite("SEARCH contact_link USING INDEX contact_links_contact (contact_id=?)"),
				onPostgres("contact_links_contact", "Index Cond: (contact_id = '1001'::text)"),
			))
		})

		// SQLite reads these through the table: see the migrations
		// user_history_indexes and user_search_indexes.
		if db.Dialect == store.Postgres {
			It("read a user's newest activity lines by the user", func(ctx SpecContext) {
				Expect(queryPlan(ctx, s, store.UserActivityQuery(s, 7, 50), nil)).To(
					onPostgres("activity_user", "Index Cond: (user_id = 7)"))
			})

			It("find users by a tag's name or id through indexes of the tags", func(ctx SpecContext) {
				plan := queryPlan(ctx, s, store.ListUsersQuery(s, store.UserFilter{Tag: "Kunde"}), nil)
				Expect(plan).To(onPostgres("user_tags_name", "Index Cond: (tag_name = 'Kunde'::text)"))
				Expect(plan).To(onPostgres("user_tags_tag", "Index Cond: (tag_id = 'Kunde'::text)"))
			})

			It("read a user's newest deliveries to apps by the user", func(ctx SpecContext) {
				Expect(queryPlan(ctx, s, store.ListDeliveriesQuery(s, store.DeliveryFilter{UserID: 7}), nil)).To(
					onPostgres("app_deliveries_user", "Index Cond: (user_id = 7)"))
			})
		}

		It("read the events of a CRM's contact by the contact", func(ctx SpecContext) {
			f := store.EventFilter{CRM: "klicktipp", ContactID: "1001"}
			Expect(queryPlan(ctx, s, store.ListEventsQuery(s, f), nil)).To(Or(
				onSQLite("SEARCH event USING INDEX events_crm_contact (crm=? AND contact_id=?)"),
				onPostgres("events_crm_contact", "Index Cond: ((crm = 'klicktipp'::text) AND (contact_id = '1001'::text))"),
			))
		})
	})
})

// onSQLite matches a SQLite plan with this step.
func onSQLite(step string) OmegaMatcher { return ContainElement(step) }

// onPostgres matches a PostgreSQL plan that reads index with cond.
func onPostgres(index, cond string) OmegaMatcher {
	return And(ContainElement(ContainSubstring(" "+index+" ")), ContainElement(ContainSubstring(cond)))
}

// queryPlan is how the database would run query, a line a step: on
// PostgreSQL with sequential scans ruled out, so that a small table's plan
// shows whether an index could serve it.
func queryPlan(ctx context.Context, s *store.Store, query string, args []any) []string {
	var lines []string
	explain := "EXPLAIN QUERY PLAN "
	if s.Dialect() == store.Postgres {
		explain = "EXPLAIN "
	}
	Expect(s.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if s.Dialect() == store.Postgres {
			if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, explain+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			values := make([]any, len(cols))
			for i := range values {
				values[i] = new(any)
			}
			if err := rows.Scan(values...); err != nil {
				return err
			}
			lines = append(lines, fmt.Sprint(*values[len(values)-1].(*any))) // the plan's text
		}
		return rows.Err()
	})).To(Succeed())
	return lines
}
