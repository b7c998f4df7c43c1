package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// bun writes each call as fresh SQL text, values and all, that the
// database parses and plans anew: on the busiest paths that cost more than
// the work, on SQLite in the hub's one connection, on PostgreSQL in its
// server, whose CPU the hub shares on a small machine. So the store runs
// its hottest statements prepared — parsed once, kept by database/sql per
// connection — with the values bound. On PostgreSQL a statement whose text
// varies with the length of a list is sent as text all the same (see
// varying), and multi-row inserts go through bun: one round trip where
// prepared single rows would take one each.

// statements are a database's prepared statements, by SQL text.
type statements struct {
	bun     *bun.DB // scans rows into models
	db      *sql.DB
	dialect Dialect
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // first met inside a transaction, to prepare after it
}

func newStatements(db *bun.DB, d Dialect) *statements {
	return &statements{bun: db, db: db.DB, dialect: d, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// close closes every prepared statement.
func (s *statements) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for query, stmt := range s.m {
		_ = stmt.Close()
		delete(s.m, query)
	}
}

// preparePending prepares the statements first met inside a transaction.
// Call it when no transaction holds SQLite's one connection: preparing
// takes a connection of its own.
func (s *statements) preparePending(ctx context.Context) {
	s.mu.Lock()
	queries := slices.Collect(maps.Keys(s.pending))
	clear(s.pending)
	s.mu.Unlock()
	for _, query := range queries {
		_, _ = s.prepare(ctx, query) // on failure it is prepared for each use until it works
	}
}

// prepare prepares query for keeps. The lock is not held meanwhile: the
// connection may be busy with a transaction that needs it.
func (s *statements) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	stmt, err := s.db.PrepareContext(ctx, s.text(query))
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if kept, ok := s.m[query]; ok { // prepared meanwhile
		_ = stmt.Close()
		return kept, nil
	}
	s.m[query] = stmt
	return stmt, nil
}

// prepared returns query prepared, bound to q's transaction when q is one.
// A statement not prepared yet is prepared here, for keeps outside a
// transaction; inside one (whose connection is the only one) it is
// prepared for this transaction alone and kept once the transaction ends.
func (q *Queries) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s := q.stmts
	tx, inTx := q.idb.(bun.Tx)
	s.mu.Lock()
	stmt, ok := s.m[query]
	if !ok && inTx {
		s.pending[query] = true
	}
	s.mu.Unlock()
	switch {
	case ok && inTx:
		return tx.StmtContext(ctx, stmt), nil
	case ok:
		return stmt, nil
	case inTx:
		return tx.PrepareContext(ctx, s.text(query))
	}
	return s.prepare(ctx, query)
}

// insert inserts rows of one model and sets their ids: prepared
// statements of a few rows each on SQLite (see inChunks), where a
// statement costs no round trip, and for a lone row on PostgreSQL;
// several rows there are one bun statement.
func insert[T any](ctx context.Context, q *Queries, rows []*T) error {
	if len(rows) == 0 {
		return nil
	}
	if q.dialect == SQLite || (len(rows) == 1 && q.prepares()) {
		return inChunks(len(rows), func(lo, hi int) error { return insertRows(ctx, q, rows[lo:hi]) })
	}
	_, err := q.idb.NewInsert().Model(&rows).Returning("id").Exec(ctx)
	return err
}

// insertRows inserts rows of one model with one prepared statement and
// sets each row's id: on PostgreSQL a lone row, which returns its id; on
// SQLite as many rows as given, numbered as insertReceivedRows says.
func insertRows[T any](ctx context.Context, q *Queries, rows []*T) error {
	table := q.idb.Dialect().Tables().Get(reflect.TypeFor[T]())
	stmt, err := q.prepared(ctx, insertText(table, q.dialect, len(rows)))
	if err != nil {
		return err
	}
	args := make([]any, 0, len(rows)*len(table.DataFields))
	for _, row := range rows {
		v := reflect.ValueOf(row).Elem()
		for _, f := range table.DataFields {
			args = append(args, boundArg(f.Value(v)))
		}
	}
	var last int64
	if q.dialect == Postgres {
		err = stmt.QueryRowContext(ctx, args...).Scan(&last)
	} else {
		var res sql.Result
		if res, err = stmt.ExecContext(ctx, args...); err == nil {
			last, err = res.LastInsertId()
		}
	}
	if err != nil {
		return err
	}
	for i, row := range rows {
		table.PKs[0].Value(reflect.ValueOf(row).Elem()).SetInt(last - int64(len(rows)-1-i))
	}
	return nil
}

// insertTexts caches insertSQL by model, dialect and rows: building the
// text anew took a few allocations on every row inserted.
var insertTexts sync.Map // insertKey → string

type insertKey struct {
	model   reflect.Type
	dialect Dialect
	rows    int
}

func insertText(table *schema.Table, d Dialect, rows int) string {
	key := insertKey{table.Type, d, rows}
	if text, ok := insertTexts.Load(key); ok {
		return text.(string)
	}
	text := insertSQL(table, d, rows)
	insertTexts.Store(key, text)
	return text
}

// insertSQL is the INSERT of n rows of a table's data columns; on
// PostgreSQL (one row) it returns the row's key, which SQLite's driver
// reports.
func insertSQL(table *schema.Table, d Dialect, n int) string {
	cols := make([]string, len(table.DataFields))
	for i, f := range table.DataFields {
		cols[i] = string(f.SQLName)
	}
	query := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table.SQLName,
		strings.Join(cols, ", "), rows(n, len(cols)))
	if d == Postgres {
		query += " RETURNING " + string(table.PKs[0].SQLName)
	}
	return query
}

// bunTime is how bun writes a time, on both databases, so that the
// values bound here compare and sort with the ones bun wrote.
const bunTime = "2006-01-02 15:04:05.999999-07:00"

// boundArg is a value as bun would have written it: nil for a nil pointer
// or byte slice, times in bun's text form (which PostgreSQL parses as
// SQLite compares it).
func boundArg(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.UTC().Format(bunTime)
	case []byte:
		if x == nil {
			return nil
		}
		return x
	default:
		return x
	}
}

// The hot paths' queries are written once, as SQL with ? for each value,
// and run by these helpers: prepared with the values bound on SQLite,
// through bun (which writes the values in) on PostgreSQL.

// scanOne runs query and scans its one row into dest, a struct pointer or
// scalar pointers; sql.ErrNoRows when there is none.
func (q *Queries) scanOne(ctx context.Context, query string, args []any, dest ...any) error {
	if !q.prepares() {
		return q.idb.NewRaw(query, args...).Scan(ctx, dest...)
	}
	rows, err := q.queryPrepared(ctx, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := q.stmts.bun.ScanRow(ctx, rows, dest...); err != nil {
		return err
	}
	return rows.Close()
}

// scanAll runs query and scans every row into dest, a slice pointer.
func (q *Queries) scanAll(ctx context.Context, query string, args []any, dest any) error {
	if !q.prepares() {
		return q.idb.NewRaw(query, args...).Scan(ctx, dest)
	}
	rows, err := q.queryPrepared(ctx, query, args)
	if err != nil {
		return err
	}
	return q.stmts.bun.ScanRows(ctx, rows, dest)
}

// exec runs a statement that returns no rows.
func (q *Queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !q.prepares() {
		return q.idb.NewRaw(query, args...).Exec(ctx)
	}
	stmt, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.ExecContext(ctx, boundArgs(args)...)
}

func (q *Queries) queryPrepared(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	stmt, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, boundArgs(args)...)
}

// prepares reports whether q runs its statements prepared.
func (q *Queries) prepares() bool {
	return q.stmts != nil && !(q.varies && q.dialect == Postgres)
}

// varying is q for a statement whose text varies with the length of a
// list (an IN list, rows of VALUES). SQLite prepares it all the same: its
// one connection keeps a copy of each length the list is padded to (see
// padded). PostgreSQL gets it as text, as each connection of the pool
// would keep a copy of every length.
func (q *Queries) varying() *Queries {
	v := *q
	v.varies = true
	return &v
}

// forList is q for a statement of a list of n rows: varying, unless
// there is one row, whose text never varies and is prepared on both
// databases.
func (q *Queries) forList(n int) *Queries {
	if n > 1 {
		return q.varying()
	}
	return q
}

// padded is a varying statement's list of rows, each of width values (an
// IN list's rows are one value wide), made ready to write: on SQLite the
// last row is repeated up to the next power of two, so that a handful of
// texts serve every length. A length met for the first time is compiled
// twice, for its transaction and then for keeps: unpadded, that was 5%
// of a fresh hub's CPU in a burst of update_tags. It returns the rows to
// write and their values. Pad only a list whose repeated row changes
// nothing: an IN list, or rows a statement reads twice to the same
// effect. PostgreSQL, which gets these statements as text, is not padded.
func (q *Queries) padded(values []any, width int) (int, []any) {
	n := len(values) / width
	if q.dialect == Postgres || n == 0 {
		return n, values
	}
	values = slices.Clip(values) // the caller's array is left as it was
	last := values[len(values)-width:]
	for rows := n; rows&(rows-1) != 0; rows++ {
		values = append(values, last...)
	}
	return len(values) / width, values
}

// text is query as the database takes it: SQLite reads bun's ? for each
// value; PostgreSQL numbers them, $1, $2, … (a ? inside quotes is text).
func (s *statements) text(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n, quote := 0, rune(0)
	for _, r := range query {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// boundArgs is boundArg of each of args. The kinds most queries bind are
// passed as they are: boundArg would box each again through reflection,
// an allocation per value on every statement.
func boundArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a.(type) {
		case nil:
		case string, int64, int, bool:
			out[i] = a
		default:
			out[i] = boundArg(reflect.ValueOf(a))
		}
	}
	return out
}

// boundLimit is a LIMIT of a bound value for a prepared statement. SQLite
// takes a bare "LIMIT ?" into its plan as the value bound at the time and
// prepares the statement again whenever a later value differs, as the
// claims' limits do from one claim to the next; a cast it reads as it
// runs. PostgreSQL reads both alike.
const boundLimit = " LIMIT CAST(? AS INTEGER)"

// placeholders is n comma-separated ?s, for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// rows is n rows of width placeholders, for VALUES: "(?, ?), (?, ?)".
func rows(n, width int) string { return repeatRow("("+placeholders(width)+")", n) }

// repeatRow is row n times, comma-separated, for VALUES.
func repeatRow(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// toAny is values as query arguments.
func toAny[T any](values []T) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// columnLists caches selectColumns and columns by model type and
// omitted columns.
var columnLists sync.Map // columnsKey → string

type columnsKey struct {
	model reflect.Type
	omit  string
	bare  bool // the list alone, as columns has it
}

// indexedBy tells SQLite which index a query must use, where its planner,
// which keeps no statistics here, would guess wrong: it takes an equality
// on one column (status = ?) for more selective than a list of keys
// (crm = ? AND contact_id IN (…)), which can make a read scan the whole
// queue. PostgreSQL keeps statistics and chooses well by itself.
func (q *Queries) indexedBy(index string) string {
	if q.dialect == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// selectColumns is "SELECT <the model's columns> FROM <its table>": the
// columns a bun select of the model would read, and no others (a table
// may hold columns its model does not map), less those named in omit.
func selectColumns[T any](q *Queries, omit ...string) string {
	return columnText[T](q, false, omit)
}

// columns is the model's columns as selectColumns reads them, alone: for
// a statement's RETURNING.
func columns[T any](q *Queries, omit ...string) string {
	return columnText[T](q, true, omit)
}

func columnText[T any](q *Queries, bare bool, omit []string) string {
	typ := reflect.TypeFor[T]()
	key := columnsKey{typ, strings.Join(omit, ","), bare}
	if s, ok := columnLists.Load(key); ok {
		return s.(string)
	}
	table := q.idb.Dialect().Tables().Get(typ)
	var cols []string
	for _, f := range table.Fields {
		if !slices.Contains(omit, f.Name) {
			cols = append(cols, string(f.SQLName))
		}
	}
	s := strings.Join(cols, ", ")
	if !bare {
		s = "SELECT " + s + " FROM " + string(table.SQLName)
	}
	columnLists.Store(key, s)
	return s
}
