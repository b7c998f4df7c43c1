// Package storetest gives test suites real databases: a fresh SQLite file
// and a fresh PostgreSQL database per suite and parallel process, migrated
// and emptied before each spec.
//
// PostgreSQL is found through CRMHUBTEST_PG_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). When it does not
// answer, its specs are skipped with a loud notice — unless
// CRMHUBTEST_REQUIRE_PG=1, which makes them fail instead.
//
// A suite runs its specs on both dialects with ForEachDialect and closes the
// databases in AfterSuite:
//
//	var _ = AfterSuite(storetest.Close)
//
//	var _ = Describe("users", func() {
//		storetest.ForEachDialect(func(db *storetest.DB) {
//			It("…", func() { s := db.Store() … })
//		})
//	})
package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // test support reads best in Ginkgo's own words
	. "github.com/onsi/gomega"    //nolint:revive
	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/internal/pgscratch"
)

// Dialects are the databases every store-backed suite runs on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// DB is one suite's database of one dialect.
type DB struct {
	Dialect store.Dialect
	url     string
	store   *store.Store
	drop    func()
}

// URL is the database URL, for a hub process a spec starts.
func (db *DB) URL() string { return db.url }

// Store returns the open, migrated store.
func (db *DB) Store() *store.Store { return db.store }

var (
	mu  sync.Mutex
	dbs = map[store.Dialect]*DB{}
)

// ForEachDialect declares body once per dialect, each in its own container
// named after the dialect. The databases are created on first use, once per
// process, and emptied before each spec.
func ForEachDialect(body func(db *DB)) {
	for _, d := range Dialects {
		Context("on "+string(d), Label(string(d)), func() {
			db := &DB{Dialect: d}
			BeforeEach(func(ctx SpecContext) {
				*db = *Get(ctx, d)
				Expect(Empty(ctx, db.store)).To(Succeed())
			})
			body(db)
		})
	}
}

// Get returns this process's database of dialect d, creating and migrating
// it on first use. PostgreSQL that does not answer skips the spec (or fails
// it under CRMHUBTEST_REQUIRE_PG=1).
func Get(ctx context.Context, d store.Dialect) *DB {
	mu.Lock()
	defer mu.Unlock()
	if db, ok := dbs[d]; ok {
		return db
	}
	var db *DB
	var err error
	if d == store.Postgres {
		db, err = newPostgres(ctx)
		if err != nil {
			if os.Getenv("CRMHUBTEST_REQUIRE_PG") == "1" {
				Fail("PostgreSQL is required (CRMHUBTEST_REQUIRE_PG=1) but not usable: " + err.Error())
			}
			noticeOnce.Do(func() {
				fmt.Fprintf(os.Stderr, "\n*** PostgreSQL NOT AVAILABLE (%v): PostgreSQL specs are SKIPPED ***\n\n", err)
			})
			Skip("PostgreSQL not available: " + err.Error())
		}
	} else {
		db, err = newSQLite(ctx)
		Expect(err).NotTo(HaveOccurred())
	}
	dbs[d] = db
	return db
}

var noticeOnce sync.Once

// Close closes and drops every database this process made.
func Close() {
	mu.Lock()
	defer mu.Unlock()
	for d, db := range dbs {
		pgSteps.Delete(db.store)
		db.store.Close()
		db.drop()
		delete(dbs, d)
	}
}

func newSQLite(ctx context.Context) (*DB, error) {
	dir, err := os.MkdirTemp("", "crmhubtest-")
	if err != nil {
		return nil, err
	}
	u := "sqlite://" + filepath.Join(dir, "hub.db")
	s, err := openMigrated(ctx, u)
	if err != nil {
		return nil, err
	}
	return &DB{Dialect: store.SQLite, url: u, store: s, drop: func() { os.RemoveAll(dir) }}, nil
}

// PGURL is the PostgreSQL server the tests use.
func PGURL() string { return pgscratch.URL() }

func newPostgres(ctx context.Context) (*DB, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	name, u, err := CreatePGDatabase(ctx)
	if err != nil {
		return nil, err
	}
	s, err := openMigrated(ctx, u)
	if err != nil {
		DropPGDatabase(name)
		return nil, err
	}
	return &DB{Dialect: store.Postgres, url: u, store: s, drop: func() { DropPGDatabase(name) }}, nil
}

// CreatePGDatabase creates an empty database on the test server and returns
// its name and URL.
func CreatePGDatabase(ctx context.Context) (name, dbURL string, err error) {
	return pgscratch.Create(ctx, PGURL(), "crmhubtest")
}

// DropPGDatabase drops a database CreatePGDatabase made, closing its
// remaining sessions.
func DropPGDatabase(name string) { _ = pgscratch.Drop(PGURL(), name) }

// OpenSQLite is a fresh, migrated SQLite store in a temporary folder of
// tb's, closed when tb ends: for Go benchmarks, which run outside Ginkgo.
func OpenSQLite(tb testing.TB) *store.Store {
	s, err := openMigrated(context.Background(), "sqlite://"+filepath.Join(tb.TempDir(), "hub.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func openMigrated(ctx context.Context, u string) (*store.Store, error) {
	s, err := store.Open(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Empty deletes every row of every table but the migration bookkeeping,
// and on PostgreSQL restarts the tables' identity columns as TRUNCATE …
// RESTART IDENTITY would. It deletes rather than truncates: TRUNCATE makes
// new files for every table and index and costs a few hundred milliseconds
// a spec, DELETE of a spec's few rows a few.
func Empty(ctx context.Context, s *store.Store) error {
	if s.Dialect() == store.Postgres {
		return emptyPostgres(ctx, s)
	}
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'bun_%'`
	if err := s.DB().NewRaw(q).Scan(ctx, &tables); err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	for _, t := range tables {
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("empty %s: %w", t, err)
		}
	}
	return nil
}

func emptyPostgres(ctx context.Context, s *store.Store) error {
	steps, err := pgEmptySteps(ctx, s)
	if err != nil {
		return err
	}
	return s.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range steps {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("empty the database: %s: %w", q, err)
			}
		}
		return nil
	})
}

// pgSteps caches each store's emptying statements: its schema is migrated
// once and stays put, and reading the catalog again would cost each spec.
var pgSteps sync.Map // *store.Store → []string

// pgEmptySteps returns the statements that empty a PostgreSQL store: a
// DELETE per table, children before parents, then a restart of every
// identity column.
func pgEmptySteps(ctx context.Context, s *store.Store) ([]string, error) {
	if steps, ok := pgSteps.Load(s); ok {
		return steps.([]string), nil
	}
	var tables []string
	q := `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'bun_%'`
	if err := s.DB().NewRaw(q).Scan(ctx, &tables); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var refs []struct{ Child, Parent string }
	q = `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
		FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`
	if err := s.DB().NewRaw(q).Scan(ctx, &refs); err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	var identities []struct{ Table, Column string }
	q = `SELECT table_name AS table, column_name AS column FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name NOT LIKE 'bun_%'`
	if err := s.DB().NewRaw(q).Scan(ctx, &identities); err != nil {
		return nil, fmt.Errorf("list identity columns: %w", err)
	}
	var steps []string
	for _, t := range childrenFirst(tables, refs) {
		steps = append(steps, "DELETE FROM "+t)
	}
	if len(identities) > 0 {
		restarts := make([]string, len(identities))
		for i, id := range identities {
			restarts[i] = fmt.Sprintf("setval(pg_get_serial_sequence('%s', '%s'), 1, false)", id.Table, id.Column)
		}
		steps = append(steps, "SELECT "+strings.Join(restarts, ", "))
	}
	pgSteps.Store(s, steps)
	return steps, nil
}

// childrenFirst orders tables so that a table comes before those its
// foreign keys refer to: deleting in that order never breaks a reference.
func childrenFirst(tables []string, refs []struct{ Child, Parent string }) []string {
	children := map[string][]string{}
	for _, r := range refs {
		if r.Child != r.Parent {
			children[r.Parent] = append(children[r.Parent], r.Child)
		}
	}
	var order []string
	done := map[string]bool{}
	var visit func(t string)
	visit = func(t string) {
		if done[t] {
			return
		}
		done[t] = true
		for _, c := range children[t] {
			visit(c)
		}
		order = append(order, t)
	}
	for _, t := range tables {
		visit(t)
	}
	return order
}

// HoldWriter begins a write transaction on s that first does work (when
// not nil), and returns once the transaction holds the store's writer —
// on SQLite its one connection — so that a spec can show what does not
// wait for it. release commits the transaction; the spec's end does, if
// it has not.
func HoldWriter(s *store.Store, work func(ctx context.Context, tx *store.Tx) error) (release func()) {
	held, let, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			if work != nil {
				if err := work(ctx, tx); err != nil {
					return err
				}
			}
			close(held)
			<-let
			return nil
		})
	}()
	EventuallyWithOffset(1, held).Should(BeClosed())
	release = sync.OnceFunc(func() {
		close(let)
		ExpectWithOffset(1, <-done).To(Succeed())
	})
	DeferCleanup(release)
	return release
}
