package store

import "time"

// WALPath is the write-ahead log file InTx and InTxSyncLater flush on
// SQLite; "" on PostgreSQL.
func WALPath(s *Store) string {
	if s.wal == nil {
		return ""
	}
	return s.wal.path
}

// PostgresText is query with its values numbered as PostgreSQL takes them.
func PostgresText(query string) string { return (&statements{dialect: Postgres}).text(query) }

// MakeWayAfter is how long a shared transaction keeps SQLite's connection
// before it makes way for webhooks waiting to be committed.
const MakeWayAfter = makeWayAfter

// Receiving reports whether webhooks wait to be committed on SQLite.
func Receiving(s *Store) bool { return s.shared.receiving.Load() > 0 }

// PretendReceiving makes shared transactions make way as if webhooks
// waited to be committed, until the returned func is called.
func PretendReceiving(s *Store) (stop func()) {
	s.shared.receiving.Add(1)
	return func() { s.shared.receiving.Add(-1) }
}

// PreparedTexts counts the statements s keeps prepared.
func PreparedTexts(s *Store) int {
	if s.stmts == nil {
		return 0
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return len(s.stmts.m)
}

// UsernamesWithPrefixQuery is the statement UsernamesWithPrefix runs, and
// its values.
func UsernamesWithPrefixQuery(s *Store, prefix string) (string, []any) {
	return usernamesWithPrefix(s.dialect, prefix)
}

// UserByLoginQuery is the statement UserByLogin runs for login.
func UserByLoginQuery(s *Store, login string) string {
	return s.userByLogin(new(User), LoginKey(login)).String()
}

// UserActivityQuery is the statement UserActivity runs.
func UserActivityQuery(s *Store, userID int64, limit int) string {
	return s.userActivity(new([]Activity), userID, limit).String()
}

// ListEventsQuery is the statement ListEvents runs for f's first page.
func ListEventsQuery(s *Store, f EventFilter) string {
	return s.listEvents(new([]Event), f, Page{Limit: 50}).String()
}

// ListDeliveriesQuery is the statement ListDeliveries runs for f's first
// page.
func ListDeliveriesQuery(s *Store, f DeliveryFilter) string {
	return s.listDeliveries(new([]AppDelivery), f, Page{Limit: 50}).String()
}

// OutcomesSinceQuery is the statement OutcomesSince runs once it has
// found floor.
func OutcomesSinceQuery(s *Store, floor int64, since time.Time) string {
	return s.outcomesSince(floor, since).String()
}

// PrefixEnd is the least string after every string that begins with
// prefix, in byte order; false when there is none.
var PrefixEnd = prefixEnd

// ListUsersQuery is the statement ListUsers runs for f's first page.
func ListUsersQuery(s *Store, f UserFilter) string {
	return s.listUsers(new([]User), f, Page{Limit: 50}).String()
}
