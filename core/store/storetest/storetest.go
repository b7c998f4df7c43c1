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
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // test support reads best in Ginkgo's own words
	. "github.com/onsi/gomega"    //nolint:revive

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

// Empty deletes every row of every table but the migration bookkeeping.
func Empty(ctx context.Context, s *store.Store) error {
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'bun_%'`
	if s.Dialect() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'bun_%'`
	}
	if err := s.DB().NewRaw(q).Scan(ctx, &tables); err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	if len(tables) == 0 {
		return nil
	}
	if s.Dialect() == store.Postgres {
		_, err := s.DB().ExecContext(ctx, "TRUNCATE "+strings.Join(tables, ", ")+" RESTART IDENTITY CASCADE")
		return err
	}
	for _, t := range tables {
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("empty %s: %w", t, err)
		}
	}
	return nil
}
