package migrations

func init() {
	// The claims read pending events in receipt order, and they alone:
	// events_status_receipt held every event all the same, so a webhook
	// entered it when received and moved in it at each step of its life,
	// to stay there once applied. The index now holds pending events
	// alone. The other reads that went through it find few rows, or only
	// count them: the claims' read of expired leases (processing events,
	// at most twice a hub's crew) and the backlog's count, which
	// events_status_id serves as well.
	Migrations.MustRegister(statements(
		`DROP INDEX events_status_receipt`,
		`CREATE INDEX events_pending_receipt ON events ((COALESCE(request_id, id)), item_index) WHERE status = 'pending'`,
	), nil)
}
