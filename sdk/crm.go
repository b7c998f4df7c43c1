package sdk

import "context"

// CRM is what a plugin implements: one value per plugin process, serving one
// CRM account at a time. The host calls Info first, then Configure, and only
// then the other methods. Methods may be called concurrently, Configure
// included: a new config reaches a live plugin while other calls run.
//
// Errors should be built with NotFound, Invalid, Retryable and Unauthenticated
// so the host knows whether to give up, retry or mark the CRM not configured;
// any other error is treated as retryable. A CRM whose requests must be
// checked before they are stored also implements WebhookChecker.
type CRM interface {
	// Info describes the plugin. It must work before Configure.
	Info(ctx context.Context) (Info, error)

	// Configure validates settings (as written under crms.<name>.settings in
	// the hub's config, already checked against Info.Settings, defaults
	// filled in) and connects, e.g. logs in. Return Invalid for settings
	// that are wrong, so the operator is told what to fix; Unauthenticated
	// when the CRM refuses the credentials; Retryable when the CRM could not
	// be reached. Keep the new settings only once they are valid.
	Configure(ctx context.Context, settings Settings) error

	// DecodeWebhook reads one stored request and returns the contacts it is
	// about, one item each (none is valid). It runs after the request was
	// stored, and again when an operator replays it. Return Invalid, with a
	// reason an operator can act on, when the request cannot be read. It
	// must not call the CRM.
	DecodeWebhook(ctx context.Context, hook RawWebhook) ([]Item, error)

	// GetContact fetches one contact as the CRM has it now; NotFound when
	// the CRM has no such id. The hub asks after the webhooks it applies
	// the answer to were received (one answer may serve several of the
	// contact's webhooks that queued meanwhile), so do not answer from a
	// cache of the plugin's own, which may be older than a webhook.
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
