package migrations

func init() {
	// A claim merges into each event it takes the pending events of the
	// same contact. Read through events_crm_contact, that walked every
	// event the contact ever had, so a claim cost more the longer its
	// contacts' history. This index holds pending events alone: an event
	// enters it when decoded and leaves it when claimed or merged.
	Migrations.MustRegister(statements(
		`CREATE INDEX events_pending_contact ON events (crm, contact_id) WHERE status = 'pending'`,
	), nil)
}
