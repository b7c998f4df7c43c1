package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/crmhub/crmhub/plugins/activecampaign/api"
	"github.com/crmhub/crmhub/plugins/activecampaign/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// standardFields are the contact attributes GetContact reports besides
// custom fields, by their v3 names, with the names ListFields gives them.
var standardFields = []sdk.Field{
	{ID: "email", Name: "Email"},
	{ID: "firstName", Name: "First name"},
	{ID: "lastName", Name: "Last name"},
	{ID: "phone", Name: "Phone"},
}

// Plugin is the ActiveCampaign CRM. Its methods may be called
// concurrently, and Configure again while others run.
type Plugin struct {
	mu      sync.RWMutex
	account *account // nil until Configure succeeds
}

var _ sdk.CRM = (*Plugin)(nil)

// account is the plugin configured for one ActiveCampaign account.
type account struct {
	client *api.Client
	tags   *tagNames
}

// New returns an unconfigured plugin.
func New() *Plugin { return &Plugin{} }

// Info describes the plugin; it works before Configure.
func (p *Plugin) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "activecampaign",
		DisplayName:  "ActiveCampaign",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
		// The event type decides most actions; a URL without one (an
		// automation's webhook step) updates the contact.
		Webhooks: sdk.WebhookProfile{DefaultAction: sdk.ActionUpdate},
	}, nil
}

// Configure checks the settings and the API key (GET /api/3/tags, whose
// answer also fills the tag names) and only then keeps them. A key
// ActiveCampaign refuses is Unauthenticated; an unreachable account
// Retryable; settings it can judge alone Invalid.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
	cfg, err := parseSettings(raw)
	if err != nil {
		return err
	}
	client, err := api.New(cfg)
	if err != nil {
		return sdk.Invalid("check the settings: %v", err)
	}
	tags := newTagNames(client.Tags)
	if _, err := tags.refresh(ctx); err != nil {
		// A 4xx (a 404 from a mistyped base_url, a 400) is Invalid, kept as
		// the client says: asking again would get the same answer. Only a
		// transport error, a 5xx, a 408 and a 429 are Retryable.
		return fmt.Errorf("check API access: %w", err)
	}
	p.mu.Lock()
	p.account = &account{client: client, tags: tags}
	p.mu.Unlock()
	sdk.Log(ctx).Info("configured")
	return nil
}

// use returns the account for one call; Unauthenticated before Configure.
func (p *Plugin) use() (*account, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.account == nil {
		return nil, sdk.Unauthenticated("the ActiveCampaign plugin is not configured yet")
	}
	return p.account, nil
}

// DecodeWebhook reads an ActiveCampaign webhook; see webhook.Decode.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	return webhook.Decode(hook)
}

// GetContact fetches a contact with its standard attributes, custom
// fields by id and tags by id and name.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	a, err := p.use()
	if err != nil {
		return sdk.Contact{}, err
	}
	c, err := a.client.GetContact(ctx, id)
	if err != nil {
		return sdk.Contact{}, err
	}
	tags, err := a.tags.name(ctx, c.TagIDs)
	if err != nil {
		return sdk.Contact{}, err
	}
	fields := map[string]string{"email": c.Email, "firstName": c.FirstName, "lastName": c.LastName, "phone": c.Phone}
	for field, value := range c.FieldValues {
		fields[field] = value
	}
	return sdk.Contact{ID: c.ID, Email: c.Email, Tags: tags, Fields: fields}, nil
}

// FindContact returns the id of the contact with this e-mail address.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	a, err := p.use()
	if err != nil {
		return "", err
	}
	return a.client.FindContact(ctx, email)
}

// ListTags returns every tag of the account, fresh; the tag names take it.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	a, err := p.use()
	if err != nil {
		return nil, err
	}
	return a.tags.refresh(ctx)
}

// ListFields returns the standard attributes and every custom field.
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	a, err := p.use()
	if err != nil {
		return nil, err
	}
	custom, err := a.client.Fields(ctx)
	if err != nil {
		return nil, err
	}
	fields := slices.Clone(standardFields)
	for _, f := range custom {
		fields = append(fields, sdk.Field{ID: f.ID, Name: f.Title})
	}
	return fields, nil
}

// UpdateContact writes fields: standard attributes by v3 name, custom
// fields by id (a returned password goes to a custom field). Unknown
// names are Invalid before anything is sent.
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	a, err := p.use()
	if err != nil {
		return err
	}
	ch := api.Changes{Attributes: map[string]string{}, FieldValues: map[string]string{}}
	for field, value := range fields {
		switch {
		case slices.ContainsFunc(standardFields, func(f sdk.Field) bool { return f.ID == field }):
			ch.Attributes[field] = value
		case isDigits(field):
			ch.FieldValues[field] = value
		default:
			return sdk.Invalid("ActiveCampaign has no field %q: use a custom field's numeric id or one of %s",
				field, standardFieldIDs())
		}
	}
	return a.client.UpdateContact(ctx, id, ch)
}

func standardFieldIDs() string {
	ids := make([]string, len(standardFields))
	for i, f := range standardFields {
		ids[i] = f.ID
	}
	return strings.Join(ids, ", ")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
