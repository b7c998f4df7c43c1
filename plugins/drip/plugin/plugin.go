package plugin

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/crmhub/crmhub/plugins/drip/api"
	"github.com/crmhub/crmhub/plugins/drip/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the Drip CRM. Its methods may be called concurrently, and
// Configure again while others run.
type Plugin struct {
	mu      sync.RWMutex
	client  *api.Client // nil until Configure succeeds
	account string
}

var _ sdk.CRM = (*Plugin)(nil)

// New returns an unconfigured plugin.
func New() *Plugin { return &Plugin{} }

// Info describes the plugin; it works before Configure.
func (p *Plugin) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "drip",
		DisplayName:  "Drip",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
		// Global webhooks name their event, which decides the action; a
		// URL without one updates the subscriber.
		Webhooks: sdk.WebhookProfile{DefaultAction: sdk.ActionUpdate},
	}, nil
}

// Configure checks the settings and the token's access to the account
// (GET /v2/<account>/tags) and only then keeps them. A refused token is
// Unauthenticated; an unreachable Drip Retryable; settings it can judge
// alone Invalid.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
	cfg, err := parseSettings(raw)
	if err != nil {
		return err
	}
	client, err := api.New(cfg)
	if err != nil {
		return sdk.Invalid("check the settings: %v", err)
	}
	if _, err := client.Tags(ctx); err != nil {
		// A 4xx (a 404 from a mistyped base_url, a 400) is Invalid, kept as
		// the client says: asking again would get the same answer. Only a
		// transport error, a 5xx, a 408 and a 429 are Retryable.
		return fmt.Errorf("check API access: %w", err)
	}
	p.mu.Lock()
	p.client, p.account = client, cfg.AccountID
	p.mu.Unlock()
	sdk.Log(ctx).Info("configured", "account_id", cfg.AccountID)
	return nil
}

func (p *Plugin) use() (*api.Client, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.client == nil {
		return nil, sdk.Unauthenticated("the Drip plugin is not configured yet")
	}
	return p.client, nil
}

// DecodeWebhook reads a Drip webhook; see webhook.Decode. Once
// configured, a global webhook from another account is ignored.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	p.mu.RLock()
	account := p.account
	p.mu.RUnlock()
	return webhook.Decode(hook, account)
}

// GetContact fetches a subscriber with its tags and fields.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	client, err := p.use()
	if err != nil {
		return sdk.Contact{}, err
	}
	if !api.IsSubscriberID(id) {
		return sdk.Contact{}, sdk.NotFound("Drip has no subscriber %q: its ids are letters and digits", id)
	}
	sub, err := client.GetSubscriber(ctx, id)
	if err != nil {
		return sdk.Contact{}, err
	}
	c := sub.Contact()
	c.ID = id
	return c, nil
}

// FindContact returns the id of the subscriber with this e-mail address.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	client, err := p.use()
	if err != nil {
		return "", err
	}
	sub, err := client.GetSubscriber(ctx, email)
	if err != nil {
		return "", err
	}
	return sub.ID, nil
}

// ListTags returns every tag of the account; a tag's name is its id.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	client, err := p.use()
	if err != nil {
		return nil, err
	}
	names, err := client.Tags(ctx)
	if err != nil {
		return nil, err
	}
	tags := make([]sdk.Tag, 0, len(names))
	for _, name := range names {
		tags = append(tags, sdk.Tag{ID: name, Name: name})
	}
	return tags, nil
}

// ListFields returns the standard attributes and the custom field
// identifiers.
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	client, err := p.use()
	if err != nil {
		return nil, err
	}
	custom, err := client.CustomFields(ctx)
	if err != nil {
		return nil, err
	}
	fields := make([]sdk.Field, 0, len(api.StandardFields)+len(custom))
	for _, name := range api.StandardFields {
		fields = append(fields, sdk.Field{ID: name, Name: name})
	}
	for _, name := range custom {
		if !slices.Contains(api.StandardFields, name) {
			fields = append(fields, sdk.Field{ID: name, Name: name})
		}
	}
	return fields, nil
}

// UpdateContact writes fields: standard attributes at the top level,
// others as custom fields (a returned password goes to a custom field;
// Drip makes a new identifier on first use).
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	client, err := p.use()
	if err != nil {
		return err
	}
	return client.Update(ctx, id, fields)
}
