package migrations

func init() {
	// Workers take due events in the order their requests were received
	// (an item row's id is later than its request's): this index serves
	// that order per status as events_status_id served id order.
	Migrations.MustRegister(statements(
		`CREATE INDEX events_status_receipt ON events (status, (COALESCE(request_id, id)), item_index)`,
	), nil)
}
