package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// On SQLite every statement runs on the one connection, and bun writes
// each call as fresh SQL text, values and all, that SQLite parses anew:
// on the busiest paths parsing cost more than the work. There the store
// runs its hottest statements prepared — parsed once, kept by
// database/sql per connection — with the values bound. PostgreSQL parses
// on its own server, in parallel with the hub, so there the same SQL goes
// through bun, which writes the values in; its multi-row inserts also take
// one round trip where prepared single rows would take one each.

// statements are a database's prepared statements, by SQL text.
type statements struct {
	bun     *bun.DB // scans rows into models
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // first met inside a transaction, to prepare after it
}

func newStatements(db *bun.DB) *statements {
	return &statements{bun: db, db: db.DB, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
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
	stmt, err := s.db.PrepareContext(ctx, query)
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
		return tx.PrepareContext(ctx, query)
	}
	return s.prepare(ctx, query)
}

// insert inserts rows of one model and sets their ids: prepared, a row
// at a time, on SQLite (insertRows); as one bun statement on PostgreSQL.
func insert[T any](ctx context.Context, q *Queries, rows []*T) error {
	if q.stmts != nil {
		return insertRows(ctx, q, rows)
	}
	_, err := q.idb.NewInsert().Model(&rows).Returning("id").Exec(ctx)
	return err
}

// insertRows inserts rows of one model one at a time with a prepared
// statement and sets each row's id. Use it on SQLite only (see above).
func insertRows[T any](ctx context.Context, q *Queries, rows []*T) error {
	table := q.idb.Dialect().Tables().Get(reflect.TypeFor[T]())
	fields := table.DataFields
	stmt, err := q.prepared(ctx, insertSQL(table))
	if err != nil {
		return err
	}
	args := make([]any, len(fields))
	for _, row := range rows {
		v := reflect.ValueOf(row).Elem()
		for i, f := range fields {
			args[i] = sqliteArg(f.Value(v))
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		table.PKs[0].Value(v).SetInt(id)
	}
	return nil
}

// insertSQL is the single-row INSERT of a table's data columns, returning
// its key.
func insertSQL(table *schema.Table) string {
	cols := make([]string, len(table.DataFields))
	for i, f := range table.DataFields {
		cols[i] = string(f.SQLName)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table.SQLName,
		strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
}

// sqliteTime is how bun writes a time for SQLite, so that the values
// bound here compare and sort with the ones bun wrote.
const sqliteTime = "2006-01-02 15:04:05.999999-07:00"

// sqliteArg is a field's value as bun would have written it for SQLite:
// nil for a nil pointer or byte slice, times in bun's text form.
func sqliteArg(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.UTC().Format(sqliteTime)
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
	if q.stmts == nil {
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
	if q.stmts == nil {
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
	if q.stmts == nil {
		return q.idb.NewRaw(query, args...).Exec(ctx)
	}
	stmt, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.ExecContext(ctx, sqliteArgs(args)...)
}

func (q *Queries) queryPrepared(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	stmt, err := q.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, sqliteArgs(args)...)
}

func sqliteArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if a == nil {
			continue
		}
		out[i] = sqliteArg(reflect.ValueOf(a))
	}
	return out
}

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

// int64sToAny is ids as query arguments.
func int64sToAny(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// columnLists caches selectColumns by model type and omitted columns.
var columnLists sync.Map // columnsKey → string

type columnsKey struct {
	model reflect.Type
	omit  string
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
	typ := reflect.TypeFor[T]()
	key := columnsKey{typ, strings.Join(omit, ",")}
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
	s := "SELECT " + strings.Join(cols, ", ") + " FROM " + string(table.SQLName)
	columnLists.Store(key, s)
	return s
}
