package store

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
