package sdk

import "context"

// CRM is what a plugin implements: one value per plugin process, serving one
// CRM account at a time. The host calls Info first, then Configure, and only
// then the other methods. Methods may be called concurrently.
//
// Errors should be built with NotFound, Invalid, Retryable and Unauthenticated
// so the host knows whether to give up, retry or mark the CRM not configured;
// any other error is treated as retryable.
type CRM interface {
	// Info describes the plugin. It must work before Configure.
	Info(ctx context.Context) (Info, error)

	// Configure validates settings (as written under crms.<name>.settings in
	// the hub's config) and connects, e.g. logs in. Return Invalid for
	// settings that are wrong, so the operator is told what to fix; return
	// Retryable when the CRM could not be reached. Configure may be called
	// again with new settings while the plugin runs.
	Configure(ctx context.Context, settings map[string]string) error

	// DecodeWebhook reads one webhook the CRM sent and names the contact it
	// is about. Return Invalid, with a reason an operator can act on, when
	// the request carries no usable contact. It must not call the CRM.
	DecodeWebhook(ctx context.Context, hook RawWebhook) (Decoded, error)

	// GetContact fetches one contact; NotFound when the CRM has no such id.
	GetContact(ctx context.Context, id string) (Contact, error)

	// FindContact returns the id of the contact with this e-mail address;
	// NotFound when there is none.
	FindContact(ctx context.Context, email string) (string, error)

	// ListTags returns every tag the account has.
	ListTags(ctx context.Context) ([]Tag, error)

	// ListFields returns every contact field the account has.
	ListFields(ctx context.Context) ([]Field, error)

	// UpdateContact writes the given fields (CRM field id → value) to a
	// contact; NotFound when the CRM has no such id. Fields not named are
	// left alone.
	UpdateContact(ctx context.Context, id string, fields map[string]string) error
}
