package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the hub's database. It is safe for concurrent use.
//
// Every query method is defined once, on Queries, which both Store and Tx
// embed: s.UserByEmail runs on its own, tx.UserByEmail inside a
// transaction. Inside InTx, use only tx: on SQLite the store has a single
// connection, which the transaction holds.
type Store struct {
	Queries
	db     *bun.DB
	reads  *readers // SQLite's read-only connections (Reader); nil on PostgreSQL
	wal    *walSync // SQLite's log flusher; nil on PostgreSQL
	shared *sharer  // SQLite's shared transactions (InTxShared); nil on PostgreSQL
	use    connectionUse
}

// Queries are the store's reads and writes, run on a database or in a
// transaction.
type Queries struct {
	idb     bun.IDB
	dialect Dialect
	stmts   *statements // prepared statements (prepared.go); nil when turned off on PostgreSQL
	varies  bool        // a statement's text varies with a list's length (see varying)
}

// Tx is an open transaction; see Store.InTx.
type Tx struct {
	Queries
	tx bun.Tx
}

// Bun returns the transaction's bun handle, for a package that needs a
// query the store does not offer.
func (tx *Tx) Bun() bun.Tx { return tx.tx }

// newStore returns a store on db; prepare keeps the busiest statements
// prepared (prepared.go).
func newStore(db *bun.DB, d Dialect, prepare bool) *Store {
	return &Store{Queries: newQueries(db, d, prepare), db: db}
}

func newQueries(db *bun.DB, d Dialect, prepare bool) Queries {
	q := Queries{idb: db, dialect: d}
	if prepare {
		q.stmts = newStatements(db, d)
	}
	return q
}

// Open connects to the database named by rawURL: sqlite://<path> (relative
// to the working directory; sqlite:///abs/path is absolute; the folder is
// created) or postgres://user:pass@host:port/db?sslmode=disable. It does
// not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	o := options{maxConnections: DefaultMaxConnections, prepare: true}
	for _, opt := range opts {
		opt(&o)
	}
	var (
		s   *Store
		err error
	)
	path, isSQLite := SQLitePath(rawURL)
	switch {
	case isSQLite:
		s, err = openSQLite(path)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		s, err = openPostgres(rawURL, o)
	default:
		return nil, fmt.Errorf("store: database url must start with sqlite:// or postgres://, got %q", redactURL(rawURL))
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// DefaultMaxConnections is how many PostgreSQL connections a store opens
// at most unless MaxConnections says otherwise.
const DefaultMaxConnections = 20

// Option changes how Open connects.
type Option func(*options)

type options struct {
	maxConnections int
	prepare        bool
}

// MaxConnections caps the PostgreSQL connections the store opens at n
// (n >= 1): hubs sharing one server must fit its max_connections together.
// SQLite always uses one writer and sqliteReaders readers.
func MaxConnections(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.maxConnections = n
		}
	}
}

// PreparedStatements says whether the store runs its busiest statements
// prepared on PostgreSQL (the default): parsed and planned once per
// connection, then only bound. Off suits a pooler that hands a session's
// statements to other clients' server connections, as PgBouncer in
// transaction mode does before 1.21. SQLite always prepares them.
func PreparedStatements(on bool) Option {
	return func(o *options) { o.prepare = on }
}

// SQLitePath returns the file a sqlite:// database URL names, as given
// (relative to the working directory unless absolute); false for any
// other URL.
func SQLitePath(rawURL string) (string, bool) {
	return strings.CutPrefix(rawURL, "sqlite://")
}

func openSQLite(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: sqlite:// needs a file path, e.g. sqlite://data/crmhub.db")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create database folder: %w", err)
		}
	}
	// WAL with synchronous FULL makes every commit durable across a
	// machine crash; IMMEDIATE transactions take the write lock at BEGIN so
	// two writers never deadlock upgrading a read lock. Statement journals
	// (savepoints, see InTxShared) stay in memory rather than in files
	// opened and removed for each.
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	// SQLite has one writer; one connection serialises writes in Go rather
	// than in busy-wait loops.
	sqldb.SetMaxOpenConns(1)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	s := newStore(bun.NewDB(sqldb, sqlitedialect.New()), SQLite, true)
	s.wal = newWALSync(path)
	s.shared = newSharer(s)
	if s.reads, err = openSQLiteReaders(path); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sqliteReaders is how many connections read a SQLite database beside its
// one writer: enough that the console, the admin API and the change feed
// never queue behind each other for long, few enough that their page
// caches stay small.
const sqliteReaders = 2

// readers are the connections that read a SQLite database outside a
// transaction. In WAL mode a reader sees the last commit and never waits
// for the writer, so a slow page of the console does not hold up the
// webhooks' commits and the workers' transactions on the writer's one
// connection. They are read-only (query_only), so a write sent to them by
// mistake fails instead of competing with the writer.
type readers struct {
	Queries
	db *bun.DB
}

func openSQLiteReaders(path string) (*readers, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=temp_store(MEMORY)"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite readers of %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(sqliteReaders)
	sqldb.SetMaxIdleConns(sqliteReaders)
	// An idle reader gives its page cache back.
	sqldb.SetConnMaxIdleTime(time.Minute)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	return &readers{Queries: newQueries(db, SQLite, true), db: db}, nil
}

func (r *readers) close() error {
	r.stmts.close()
	return r.db.Close()
}

func openPostgres(rawURL string, o options) (_ *Store, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: malformed postgres url: %w", errors.Unwrap(err))
	}
	if u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("store: postgres url %q needs a host and a database name", redactURL(rawURL))
	}
	// pgdriver panics on a DSN it cannot parse; an operator's typo must be
	// an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: malformed postgres url %q: %v", redactURL(rawURL), r)
		}
	}()
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(rawURL)))
	sqldb.SetMaxOpenConns(o.maxConnections)
	sqldb.SetMaxIdleConns(o.maxConnections)
	return newStore(bun.NewDB(sqldb, pgdialect.New()), Postgres, o.prepare), nil
}

// redactURL hides the password of a database URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// Dialect names the database behind q.
func (q *Queries) Dialect() Dialect { return q.dialect }

// DB returns the bun handle, for packages that build their own queries in
// a transaction the store began.
func (s *Store) DB() *bun.DB { return s.db }

// Reader returns the store's queries for reads outside a transaction,
// such as the console's and the change feed's: on SQLite they run on
// read-only connections of their own, beside the one that writes, and see
// the last commit; on PostgreSQL they are the store's own. Writes through
// it fail on SQLite.
func (s *Store) Reader() *Queries {
	if s.reads != nil {
		return &s.reads.Queries
	}
	return &s.Queries
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.dialect, err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.shared != nil {
		s.shared.close()
	}
	if s.wal != nil {
		s.wal.close()
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	if s.reads != nil {
		_ = s.reads.close()
	}
	return s.db.Close()
}

// InTx runs fn in one transaction, committed when fn returns nil and
// rolled back otherwise; the commit is durable (fsync'd) when InTx
// returns. Keep it short and never call the network inside: on SQLite it
// holds the only writer.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return s.inTx(ctx, true, holderOther, fn)
}

// InTxNoSync is InTx for work that is safe to repeat, such as applying an
// event: its commit survives a crash of the process, but one of the
// machine (power, kernel) may take back the last such commits until the
// next durable one — which then repeats them, as at-least-once processing
// allows. It saves a disk flush per transaction.
func (s *Store) InTxNoSync(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return s.inTx(ctx, false, holderOther, fn)
}

// InTxSyncLater is InTx for a caller that need not hold the connection
// while the commit reaches the disk, such as the inbox, whose committed
// webhooks can be decoded meanwhile: it returns once fn's transaction is
// committed, and durable returns once that commit is durable, as InTx's
// is. On SQLite the commit does not wait for the disk; the write-ahead log
// is flushed after it, apart from the only connection, which the workers'
// transactions use meanwhile, one flush serving every commit made before
// it began. On PostgreSQL the commit is durable already.
func (s *Store) InTxSyncLater(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (durable func() error, err error) {
	return s.inTxSyncLater(ctx, holderOther, fn)
}

func (s *Store) inTxSyncLater(ctx context.Context, h holder, fn func(ctx context.Context, tx *Tx) error) (durable func() error, err error) {
	if s.wal == nil {
		return func() error { return nil }, s.InTx(ctx, fn)
	}
	if err := s.inTx(ctx, false, h, fn); err != nil {
		return nil, err
	}
	return s.wal.flush, nil
}

// SaveReceived stores webhooks just received, as InsertReceived does, and
// returns once they are committed; durable returns once the commit is
// durable, as with InTxSyncLater. On PostgreSQL their one statement
// (insertReceivedPG) is a transaction of its own, durable when it returns: wrapped
// in BEGIN and COMMIT it took two round trips more.
func (s *Store) SaveReceived(ctx context.Context, events []*Event) (durable func() error, err error) {
	if s.dialect == Postgres {
		return func() error { return nil }, s.InsertReceived(ctx, events)
	}
	// Shared transactions make way for this one (see sharer.runTogether).
	s.shared.receiving.Add(1)
	defer s.shared.receiving.Add(-1)
	return s.inTxSyncLater(ctx, holderWebhooks, func(ctx context.Context, tx *Tx) error {
		return tx.InsertReceived(ctx, events)
	})
}

func (s *Store) inTx(ctx context.Context, durable bool, h holder, fn func(ctx context.Context, tx *Tx) error) error {
	err := s.runTx(ctx, durable, h, fn)
	if s.stmts != nil {
		s.stmts.preparePending(context.WithoutCancel(ctx))
	}
	return err
}

func (s *Store) runTx(ctx context.Context, durable bool, h holder, fn func(ctx context.Context, tx *Tx) error) error {
	run := func(ctx context.Context, btx bun.Tx) error {
		if !durable && s.dialect == Postgres {
			if _, err := btx.ExecContext(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
				return err
			}
		}
		return fn(ctx, &Tx{Queries: Queries{idb: btx, dialect: s.dialect, stmts: s.stmts}, tx: btx})
	}
	if s.dialect != SQLite {
		return s.db.RunInTx(ctx, nil, run)
	}
	// The caller's context bounds the wait for SQLite's only connection,
	// not the transaction: SQLite rolls back a whole transaction when a
	// statement in it is interrupted, as the driver does to a statement
	// whose context ends, and the writes are local and short. A context
	// that cannot end also spares the driver a goroutine per statement,
	// which watches for that end.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	held := time.Now()
	defer func() {
		conn.Close()
		s.use.add(h, time.Since(held))
	}()
	ctx = context.WithoutCancel(ctx)
	if durable {
		return conn.RunInTx(ctx, nil, run)
	}
	// SQLite's durability is a setting of the connection: relax it for
	// this transaction, and make it FULL again for everything else.
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return fmt.Errorf("store: relax synchronous: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
			// A connection that might stay relaxed must not be reused.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return conn.RunInTx(ctx, nil, run)
}
