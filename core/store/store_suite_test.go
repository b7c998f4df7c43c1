package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

func TestStore(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Store Suite")
}

var _ = AfterSuite(storetest.Close)

// queryPlan is how the database would run query: on PostgreSQL with
// sequential scans ruled out, so that a small table's plan shows whether
// an index could serve it.
func queryPlan(ctx context.Context, s *store.Store, query string, args []any) string {
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
	return strings.Join(lines, "\n")
}
