package migrations

func init() {
	// A claim merges into each event it takes the pending events of the
	// same contact. Read through events_crm_contact, that walked every
	// event the contact ever had, so a claim cost more the longer its
	// contacts' history. This index holds pending events alone: an event
	// enters it when decoded and leaves it when claimed or merged. The
	// contact comes first: on a table PostgreSQL has no statistics of yet,
	// its planner would otherwise search the index by CRM alone and read
	// every pending event of the CRM.
	Migrations.MustRegister(statements(
		`CREATE INDEX events_pending_contact ON events (contact_id, crm) WHERE status = 'pending'`,
	), nil)
}
