package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/crmhub/crmhub/plugins/hubspot/api"
	"github.com/crmhub/crmhub/plugins/hubspot/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the HubSpot CRM. Its methods may be called concurrently, and
// Configure again while others run: a call uses the account it found when
// it started, and Configure swaps in a new one only once it is proven.
type Plugin struct {
	mu      sync.RWMutex
	account *account // nil until Configure succeeds
}

var (
	_ sdk.CRM            = (*Plugin)(nil)
	_ sdk.WebhookChecker = (*Plugin)(nil)
)

// account is the plugin configured for one HubSpot account.
type account struct {
	client      *api.Client
	door        webhook.Door
	lists       *listCache
	tagProperty string
	properties  []string
}

// New returns an unconfigured plugin.
func New() *Plugin { return &Plugin{} }

// Info describes the plugin; it works before Configure.
func (p *Plugin) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "hubspot",
		DisplayName:  "HubSpot",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
		// The Webhooks API cannot put an action in the URL per event: a
		// URL without one means update.
		Webhooks: sdk.WebhookProfile{DefaultAction: sdk.ActionUpdate},
	}, nil
}

// Configure checks the settings, then proves the token with a cheap
// authenticated call (the contact properties). Malformed settings and a
// 4xx answer (a 404 from a mistyped base_url) are Invalid; a refused token
// is Unauthenticated; a transport error, a 5xx, a 408 or a 429 is
// Retryable. When Configure fails the old account stays.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
	s, err := parseSettings(raw)
	if err != nil {
		return err
	}
	client, err := api.New(s.client)
	if err != nil {
		return sdk.Invalid("check the settings: %v", err)
	}
	if _, err := client.Properties(ctx); err != nil {
		return configureError("check the access token (GET /crm/v3/properties/contacts)", err)
	}
	next := &account{
		client: client,
		door: webhook.Door{ClientSecret: s.clientSecret, AllowUnsignedWorkflows: s.allowUnsignedWorkflows,
			AllowV1Signatures: s.allowV1Signatures},
		lists:       &listCache{fetch: client.Lists},
		tagProperty: s.tagProperty,
		properties:  s.properties,
	}
	p.mu.Lock()
	p.account = next
	p.mu.Unlock()
	sdk.Log(ctx).Info("configured", "tags", cmpOr(s.tagProperty, "lists"), "signed", s.clientSecret != "",
		"allow_unsigned_workflows", s.allowUnsignedWorkflows, "allow_v1_signatures", s.allowV1Signatures, "properties", len(s.properties))
	return nil
}

func (p *Plugin) use() (*account, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.account == nil {
		return nil, sdk.Unauthenticated("the HubSpot plugin is not configured yet")
	}
	return p.account, nil
}

// CheckWebhook checks HubSpot's signature and timestamp before the hub
// stores a request; see webhook.Door.
func (p *Plugin) CheckWebhook(ctx context.Context, req sdk.Request) (sdk.Verdict, error) {
	a, err := p.use()
	if err != nil {
		return sdk.Verdict{}, err
	}
	v := a.door.Check(req)
	if v.Decision == sdk.DecisionReject {
		sdk.Log(ctx).Debug("webhook rejected", "reason", v.Reason, "remote", req.RemoteAddr)
	}
	return v, nil
}

// DecodeWebhook reads a stored request; see webhook.Decode. It works
// without Configure and never calls HubSpot.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	return webhook.Decode(hook)
}

// GetContact fetches a contact's configured properties and its tags.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	a, err := p.use()
	if err != nil {
		return sdk.Contact{}, err
	}
	c, err := a.client.GetContact(ctx, id, a.properties)
	if err != nil {
		return sdk.Contact{}, err
	}
	tags, err := a.tags(ctx, c)
	if err != nil {
		return sdk.Contact{}, err
	}
	return sdk.Contact{ID: c.ID, Email: c.Properties["email"], Tags: tags, Fields: c.Properties}, nil
}

// tags are the contact's static lists, by name, or the values of the tag
// property.
func (a *account) tags(ctx context.Context, c api.Contact) ([]sdk.Tag, error) {
	if a.tagProperty != "" {
		return propertyTags(c.Properties[a.tagProperty]), nil
	}
	ids, err := a.client.Memberships(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	lists, err := a.lists.lookup(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("name the lists of contact %s: %w", c.ID, err)
	}
	tags := []sdk.Tag{}
	for _, id := range ids {
		// Active (dynamic) lists are computed by HubSpot, not applied:
		// tags are the static ones. A list still unknown after a refresh
		// was deleted meanwhile.
		if l, ok := lists[id]; ok && l.Static() {
			tags = append(tags, sdk.Tag{ID: id, Name: l.Name})
		}
	}
	return tags, nil
}

// propertyTags splits a multiple-checkbox value; each value is its own id.
func propertyTags(value string) []sdk.Tag {
	tags := []sdk.Tag{}
	for v := range strings.SplitSeq(value, ";") {
		if v = strings.TrimSpace(v); v != "" && !slices.ContainsFunc(tags, func(t sdk.Tag) bool { return t.ID == v }) {
			tags = append(tags, sdk.Tag{ID: v, Name: v})
		}
	}
	return tags
}

// FindContact returns the id of the contact with this e-mail address.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	a, err := p.use()
	if err != nil {
		return "", err
	}
	return a.client.FindContact(ctx, email)
}

// ListTags returns the static lists, or the tag property's options.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	a, err := p.use()
	if err != nil {
		return nil, err
	}
	if a.tagProperty != "" {
		prop, err := a.client.Property(ctx, a.tagProperty)
		if err != nil {
			return nil, err
		}
		tags := make([]sdk.Tag, 0, len(prop.Options))
		for _, o := range prop.Options {
			tags = append(tags, sdk.Tag{ID: o.Value, Name: o.Label})
		}
		return tags, nil
	}
	lists, err := a.lists.all(ctx)
	if err != nil {
		return nil, err
	}
	tags := make([]sdk.Tag, 0, len(lists))
	for id, l := range lists {
		if l.Static() {
			tags = append(tags, sdk.Tag{ID: id, Name: l.Name})
		}
	}
	slices.SortFunc(tags, func(x, y sdk.Tag) int { return strings.Compare(x.ID, y.ID) })
	return tags, nil
}

// ListFields returns every contact property, by internal name and label.
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	a, err := p.use()
	if err != nil {
		return nil, err
	}
	props, err := a.client.Properties(ctx)
	if err != nil {
		return nil, err
	}
	fields := make([]sdk.Field, len(props))
	for i, pr := range props {
		fields[i] = sdk.Field{ID: pr.Name, Name: pr.Label}
	}
	return fields, nil
}

// UpdateContact writes properties to a contact.
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	a, err := p.use()
	if err != nil {
		return err
	}
	return a.client.UpdateContact(ctx, id, fields)
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// configureError keeps the kind of the validation call's failure, except
// that a 4xx answer (a 404 from a mistyped base_url, a 400) is Invalid:
// asking again would get the same answer. Only a transport error, a 5xx, a
// 408 and a 429 are worth retrying; 401/403 stay Unauthenticated.
func configureError(what string, err error) error {
	if sdk.IsInvalid(err) || sdk.IsNotFound(err) {
		return sdk.Invalid("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
