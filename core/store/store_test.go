package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/migrations"
	"github.com/crmhub/crmhub/core/store/storetest"
)

func newUser(name, email string) *store.User {
	return &store.User{Username: name, Email: email, Role: "subscriber", PasswordHash: "x"}
}

var _ = Describe("Open", func() {
	It("creates the folder of a relative sqlite path", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		GinkgoT().Chdir(dir)
		s, err := store.Open(ctx, "sqlite://data/sub/hub.db")
		Expect(err).NotTo(HaveOccurred())
		defer s.Close()
		Expect(filepath.Join(dir, "data/sub/hub.db")).To(BeAnExistingFile())
		Expect(s.Dialect()).To(Equal(store.SQLite))
	})

	It("takes an absolute sqlite path after three slashes", func(ctx SpecContext) {
		path := filepath.Join(GinkgoT().TempDir(), "abs.db")
		s, err := store.Open(ctx, "sqlite://"+path)
		Expect(err).NotTo(HaveOccurred())
		defer s.Close()
		Expect(path).To(BeAnExistingFile())
	})

	DescribeTable("rejects a bad url with a clear error, never a panic",
		func(ctx SpecContext, url, want string) {
			_, err := store.Open(ctx, url)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("unknown scheme", "mysql://x/y", "must start with sqlite:// or postgres://"),
		Entry("empty sqlite path", "sqlite://", "needs a file path"),
		Entry("postgres without a database", "postgres://u@127.0.0.1:5432", "needs a host and a database name"),
		Entry("postgres with a broken port", "postgres://u:secret@127.0.0.1:notaport/db", "malformed postgres url"),
	)

	It("opens no more PostgreSQL connections than MaxConnections, however many queries wait", func(ctx SpecContext) {
		storetest.Get(ctx, store.Postgres) // skips (or fails) when PostgreSQL is away
		name, url, err := storetest.CreatePGDatabase(ctx)
		Expect(err).NotTo(HaveOccurred())
		defer storetest.DropPGDatabase(name)
		s, err := store.Open(ctx, url, store.MaxConnections(3))
		Expect(err).NotTo(HaveOccurred())
		defer s.Close()

		// Twelve queries at once, each holding its connection a while.
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				defer GinkgoRecover()
				_, err := s.DB().ExecContext(ctx, "SELECT pg_sleep(0.3)")
				Expect(err).NotTo(HaveOccurred())
			})
		}
		watcher, err := store.Open(ctx, storetest.PGURL(), store.MaxConnections(1))
		Expect(err).NotTo(HaveOccurred())
		defer watcher.Close()
		most := 0
		for range 10 {
			var n int
			Expect(watcher.DB().NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = ?", name).Scan(ctx, &n)).To(Succeed())
			most = max(most, n)
			time.Sleep(50 * time.Millisecond)
		}
		wg.Wait()
		Expect(most).To(Equal(3), "connections to the database while twelve queries waited")
	})

	DescribeTable("keeps the busiest statements prepared on PostgreSQL unless told not to",
		func(ctx SpecContext, opt store.Option, want types.GomegaMatcher) {
			url := storetest.Get(ctx, store.Postgres).URL() // skips (or fails) when PostgreSQL is away
			// One connection, so the count below reads the session that ran the query.
			s, err := store.Open(ctx, url, store.MaxConnections(1), opt)
			Expect(err).NotTo(HaveOccurred())
			defer s.Close()
			_, err = s.UserByEmail(ctx, "nobody@example.com")
			Expect(err).To(MatchError(store.ErrNotFound))
			var prepared int
			Expect(s.DB().NewRaw("SELECT count(*) FROM pg_prepared_statements").Scan(ctx, &prepared)).To(Succeed())
			Expect(prepared).To(want)
		},
		Entry("by default", store.MaxConnections(1), BeNumerically(">=", 1)),
		Entry("off, for a pooler that cannot carry them", store.PreparedStatements(false), BeZero()),
	)

	It("numbers a statement's values for PostgreSQL, leaving a ? in quotes alone", func() {
		Expect(store.PostgresText(`SELECT '?', "a?" FROM t WHERE x = ? AND y IN (?, ?) AND z = 'it''s?'`)).
			To(Equal(`SELECT '?', "a?" FROM t WHERE x = $1 AND y IN ($2, $3) AND z = 'it''s?'`))
	})

	It("never shows the password of a bad postgres url", func(ctx SpecContext) {
		_, err := store.Open(ctx, "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=1")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).NotTo(ContainSubstring("hunter2"))
	})
})

var _ = Describe("Migrate", func() {
	It("migrates once when several hubs start together on one PostgreSQL database", func(ctx SpecContext) {
		storetest.Get(ctx, store.Postgres) // skips (or fails) when PostgreSQL is away
		name, url, err := storetest.CreatePGDatabase(ctx)
		Expect(err).NotTo(HaveOccurred())
		defer storetest.DropPGDatabase(name)

		var wg sync.WaitGroup
		errs := make([]error, 5)
		for i := range errs {
			wg.Go(func() {
				s, err := store.Open(ctx, url)
				if err != nil {
					errs[i] = err
					return
				}
				defer s.Close()
				errs[i] = s.Migrate(ctx)
			})
		}
		wg.Wait()
		for _, err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		s, err := store.Open(ctx, url)
		Expect(err).NotTo(HaveOccurred())
		defer s.Close()
		applied, err := s.DB().NewSelect().Table("bun_migrations").Count(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(applied).To(BeEquivalentTo(len(migrations.Migrations.Sorted())), "each migration applied once")
	})
})

var _ = Describe("Store", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("is migrated, and migrating again changes nothing", func(ctx SpecContext) {
			s := db.Store()
			Expect(s.Migrated(ctx)).To(BeTrue())
			Expect(s.Migrate(ctx)).To(Succeed())
			Expect(s.Migrate(ctx)).To(Succeed())
			Expect(s.Migrated(ctx)).To(BeTrue())
		})

		It("is not migrated while a migration is missing", func(ctx SpecContext) {
			s := db.Store()
			last := migrations.Migrations.Sorted()[len(migrations.Migrations.Sorted())-1].Name
			_, err := s.DB().NewDelete().Table("bun_migrations").Where("name = ?", last).Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(s.Migrated(ctx)).To(BeFalse())
			// put it back for the other specs (the schema is still there)
			_, err = s.DB().NewRaw("INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES (?, 1, ?)",
				last, time.Now().UTC()).Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(s.Migrated(ctx)).To(BeTrue())
		})

		// Each index entry is written with the row: at ingest on SQLite the
		// entries a received webhook no longer makes cost about a third of
		// its row (docs/performance.md).
		It("enters a webhook just received only in the indexes that read received events", func(ctx SpecContext) {
			s := db.Store()
			query := "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql NOT LIKE '% WHERE %'"
			if db.Dialect == store.Postgres {
				query = "SELECT indexname FROM pg_indexes WHERE tablename = 'events' AND indexdef NOT LIKE '% WHERE %' AND indexname <> 'events_pkey'"
			}
			var whole []string
			Expect(s.DB().NewRaw(query).Scan(ctx, &whole)).To(Succeed())
			Expect(whole).To(ConsistOf("events_status_id"),
				"the one index with no WHERE, which every event enters: the decoder reads received events by id")
		})

		// A claim merges into each event it takes the pending events of
		// the same contact: read through an index of those alone, it reads
		// none of the contact's history, however long.
		It("indexes each contact's pending events apart from its history", func(ctx SpecContext) {
			s := db.Store()
			query := "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_pending_contact'"
			if db.Dialect == store.Postgres {
				query = "SELECT indexdef FROM pg_indexes WHERE indexname = 'events_pending_contact'"
			}
			var def string
			Expect(s.DB().NewRaw(query).Scan(ctx, &def)).To(Succeed())
			Expect(def).To(MatchRegexp(`\(contact_id, crm\) WHERE \(?status = 'pending'`))
		})

		It("treats e-mail addresses that differ only in case as the same", func(ctx SpecContext) {
			s := db.Store()
			Expect(s.CreateUser(ctx, newUser("anna", "Anna@Example.com"))).To(Succeed())
			err := s.CreateUser(ctx, newUser("anna2", "anna@example.COM"))
			Expect(err).To(MatchError(store.ErrEmailTaken))
			u, err := s.UserByEmail(ctx, "ANNA@example.com")
			Expect(err).NotTo(HaveOccurred())
			Expect(u.Email).To(Equal("Anna@Example.com"))
		})

		It("refuses a taken username with a typed error", func(ctx SpecContext) {
			s := db.Store()
			Expect(s.CreateUser(ctx, newUser("anna", "a@example.com"))).To(Succeed())
			Expect(s.CreateUser(ctx, newUser("anna", "b@example.com"))).To(MatchError(store.ErrUsernameTaken))
		})

		It("keeps one row and returns 19 typed conflicts when 20 inserts of one e-mail race", func(ctx SpecContext) {
			s := db.Store()
			var wg sync.WaitGroup
			errs := make([]error, 20)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.CreateUser(ctx, newUser(fmt.Sprintf("user%d", i), "race@example.com"))
				}()
			}
			wg.Wait()
			var ok, taken int
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, store.ErrEmailTaken):
					taken++
				default:
					Fail("unexpected error: " + err.Error())
				}
			}
			Expect(ok).To(Equal(1))
			Expect(taken).To(Equal(19))
			n, err := s.DB().NewSelect().Model((*store.User)(nil)).Count(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(n).To(BeEquivalentTo(1))
		})

		It("changes one CRM's tags and leaves another CRM's alone", func(ctx SpecContext) {
			s := db.Store()
			u := newUser("anna", "anna@example.com")
			Expect(s.CreateUser(ctx, u)).To(Succeed())
			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				if err := tx.ChangeTags(ctx, u.ID, "klicktipp", []store.UserTag{{TagID: "1", TagName: "Kunde"},
					{TagID: "2", TagName: "Newsletter"}, {TagID: "3", TagName: "Webinar"}, {TagID: "4", TagName: "Kurs"}}, nil); err != nil {
					return err
				}
				return tx.ChangeTags(ctx, u.ID, "hubspot", []store.UserTag{{TagID: "1", TagName: "Lead"}}, nil)
			})).To(Succeed())
			// Three of each: lists of a length SQLite pads (see padded).
			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				return tx.ChangeTags(ctx, u.ID, "klicktipp", []store.UserTag{{TagID: "2", TagName: "News"},
					{TagID: "5", TagName: "Interessent"}, {TagID: "6", TagName: "VIP"}}, []string{"1", "3", "4"})
			})).To(Succeed())

			tags, err := s.Tags(ctx, u.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(tags).To(ConsistOf(
				store.UserTag{UserID: u.ID, CRM: "hubspot", TagID: "1", TagName: "Lead"},
				store.UserTag{UserID: u.ID, CRM: "klicktipp", TagID: "2", TagName: "News"},
				store.UserTag{UserID: u.ID, CRM: "klicktipp", TagID: "5", TagName: "Interessent"},
				store.UserTag{UserID: u.ID, CRM: "klicktipp", TagID: "6", TagName: "VIP"},
			))
		})

		It("relaxes durability only inside a no-sync transaction", func(ctx SpecContext) {
			s := db.Store()
			show := "PRAGMA synchronous" // 1 NORMAL, 2 FULL
			relaxed, durable := "1", "2"
			if s.Dialect() == store.Postgres {
				show, relaxed, durable = "SHOW synchronous_commit", "off", "on"
			}
			setting := func(ctx context.Context, db bun.IDB) string {
				var v string
				Expect(db.NewRaw(show).Scan(ctx, &v)).To(Succeed())
				return v
			}
			Expect(s.InTxNoSync(ctx, func(ctx context.Context, tx *store.Tx) error {
				Expect(setting(ctx, tx.Bun())).To(Equal(relaxed))
				return tx.CreateUser(ctx, newUser("anna", "anna@example.com"))
			})).To(Succeed())
			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				Expect(setting(ctx, tx.Bun())).To(Equal(durable))
				return nil
			})).To(Succeed())
			Expect(setting(ctx, s.DB())).To(Equal(durable))
			Expect(s.UserByEmail(ctx, "anna@example.com")).To(HaveField("Username", "anna"))
		})

		It("rolls a failed transaction back", func(ctx SpecContext) {
			s := db.Store()
			boom := errors.New("boom")
			err := s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				Expect(tx.CreateUser(ctx, newUser("ghost", "ghost@example.com"))).To(Succeed())
				return boom
			})
			Expect(err).To(MatchError(boom))
			_, err = s.UserByEmail(ctx, "ghost@example.com")
			Expect(err).To(MatchError(store.ErrNotFound))
		})

		It("stores a webhook just received as a whole received event would be stored", func(ctx SpecContext) {
			s := db.Store()
			at := time.Now().UTC()
			type request struct {
				role, query, header string
				body                []byte
			}
			received := func(r request) *store.Event {
				return &store.Event{CRM: "klicktipp", Action: "update_tags", Role: r.role, SendNotification: true,
					Method: "POST", Query: r.query, Header: r.header, ContentType: "text/plain",
					Body: r.body, ReceivedAt: at}
			}
			for _, r := range []request{
				{"editor", "action=update_tags", `{"X-A":["1"]}`, []byte("SubscriberID=1")},
				{"", "", `{}`, nil},
				// What array literals and quoting could mangle (see pgArray).
				{"NULL", `a="b"&c=\d,{e}`, `{"X-A":["\"q\" \\ ,{} NULL ü"]}`, []byte{0, '"', '\\', ',', '{', 0xff}},
			} {
				whole, lean := received(r), received(r)
				whole.Status, whole.UpdatedAt, whole.NextAttemptAt = store.StatusReceived, at, at
				Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					if err := tx.InsertEvents(ctx, []*store.Event{whole}); err != nil {
						return err
					}
					return tx.InsertReceived(ctx, []*store.Event{lean})
				})).To(Succeed())
				Expect(lean.ID).To(BeNumerically(">", whole.ID))
				stored, err := s.EventByID(ctx, lean.ID)
				Expect(err).NotTo(HaveOccurred())
				lean.ID, stored.ID = whole.ID, whole.ID
				Expect(lean).To(Equal(whole), "the event InsertReceived was given")
				Expect(s.EventByID(ctx, whole.ID)).To(Equal(stored), "the rows")
				// Both ways bind their values now (a lone row is prepared too),
				// so the row is also held to the request itself.
				Expect(stored).To(And(HaveField("Role", r.role), HaveField("Query", r.query),
					HaveField("Header", r.header), HaveField("Body", r.body)), "the request as stored")
			}
		})

		It("saves a crowd of webhooks just received together, in order, each with its own id", func(ctx SpecContext) {
			s := db.Store()
			// On SQLite 75 rows take four statements, of 64, 8, 2 and 1.
			crowd := make([]*store.Event, 75)
			for i := range crowd {
				crowd[i] = &store.Event{CRM: "klicktipp", Action: "add", Method: "POST",
					Body: []byte("SubscriberID=" + strconv.Itoa(i)), ReceivedAt: time.Now().UTC()}
			}
			durable, err := s.SaveReceived(ctx, crowd)
			Expect(err).NotTo(HaveOccurred())
			Expect(durable()).To(Succeed())
			for i, ev := range crowd {
				if i > 0 {
					Expect(ev.ID).To(BeNumerically(">", crowd[i-1].ID))
				}
				stored, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(stored).To(And(HaveField("Status", store.StatusReceived), HaveField("Body", ev.Body)))
			}
		})

		It("adds many rows of a model at once, each with its own id", func(ctx SpecContext) {
			s := db.Store()
			// On SQLite 75 rows take four statements, of 64, 8, 2 and 1.
			lines := make([]*store.Activity, 75)
			for i := range lines {
				lines[i] = &store.Activity{CRM: "klicktipp", Message: "line " + strconv.Itoa(i)}
			}
			Expect(s.AddActivity(ctx, lines...)).To(Succeed())
			stored, err := s.RecentActivity(ctx, 100, 0)
			Expect(err).NotTo(HaveOccurred())
			byID := map[int64]string{}
			for _, l := range stored {
				byID[l.ID] = l.Message
			}
			Expect(byID).To(HaveLen(len(lines)))
			for _, l := range lines {
				Expect(byID).To(HaveKeyWithValue(l.ID, l.Message))
			}
		})

		It("keeps the first value of a setting that several starters create", func(ctx SpecContext) {
			s := db.Store()
			var wg sync.WaitGroup
			got := make([]string, 5)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, err := s.SettingOrCreate(ctx, store.SettingAccessKey, func() (string, error) { return fmt.Sprint("key", i), nil })
					Expect(err).NotTo(HaveOccurred())
					got[i] = v
				}()
			}
			wg.Wait()
			for _, v := range got {
				Expect(v).To(Equal(got[0]))
			}
		})
	})
})
