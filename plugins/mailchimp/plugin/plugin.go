package plugin

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/crmhub/crmhub/plugins/mailchimp/api"
	"github.com/crmhub/crmhub/plugins/mailchimp/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the Mailchimp CRM. Its methods may be called concurrently,
// Configure included.
type Plugin struct {
	mu      sync.RWMutex
	client  *api.Client // nil until Configure succeeds
	decoder webhook.Decoder
}

var (
	_ sdk.CRM            = (*Plugin)(nil)
	_ sdk.WebhookChecker = (*Plugin)(nil)
)

// New returns an unconfigured plugin.
func New() *Plugin { return &Plugin{} }

// Info describes the plugin; it works before Configure.
func (p *Plugin) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "mailchimp",
		DisplayName:  "Mailchimp",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
	}, nil
}

// Configure checks the settings, then reads the audience to prove the key
// and list_id; only then does it keep them. A key Mailchimp refuses is
// Unauthenticated, an audience it does not know Invalid.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
	cfg, err := parseSettings(raw)
	if err != nil {
		return err
	}
	client, err := api.New(cfg)
	if err != nil {
		return sdk.Invalid("check the settings: %v", err)
	}
	name, err := client.CheckList(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.client, p.decoder = client, webhook.Decoder{ListID: cfg.ListID}
	p.mu.Unlock()
	sdk.Log(ctx).Info("configured", "list_id", cfg.ListID, "audience", name)
	return nil
}

func (p *Plugin) use() (*api.Client, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.client == nil {
		return nil, sdk.Unauthenticated("the Mailchimp plugin is not configured yet")
	}
	return p.client, nil
}

// CheckWebhook answers Mailchimp's validation GET, sent when a webhook is
// created, with a 200 and stores nothing. Every POST is stored: Mailchimp
// signs nothing, the access key in the URL is the protection.
func (p *Plugin) CheckWebhook(_ context.Context, req sdk.Request) (sdk.Verdict, error) {
	if req.Method == http.MethodGet {
		return sdk.Respond(sdk.Answer{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte("ok\n")}), nil
	}
	return sdk.Accept(), nil
}

// DecodeWebhook reads a Mailchimp webhook; see webhook.Decoder.Decode.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	p.mu.RLock()
	d := p.decoder
	p.mu.RUnlock()
	return d.Decode(hook)
}

// GetContact fetches a member by subscriber hash, with its tags and merge
// fields (an address's parts as "ADDRESS.city").
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	c, err := p.use()
	if err != nil {
		return sdk.Contact{}, err
	}
	m, err := c.Member(ctx, id)
	if err != nil {
		return sdk.Contact{}, err
	}
	tags := make([]sdk.Tag, len(m.Tags))
	for i, t := range m.Tags {
		tags[i] = sdk.Tag{ID: t.ID, Name: t.Name}
	}
	return sdk.Contact{ID: m.ID, Email: m.Email, Tags: tags, Fields: m.MergeFields}, nil
}

// FindContact returns the subscriber hash of the member with this
// address, once Mailchimp confirms the member exists.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	c, err := p.use()
	if err != nil {
		return "", err
	}
	m, err := c.Member(ctx, api.SubscriberHash(email))
	if err != nil {
		return "", err
	}
	return m.ID, nil
}

// ListTags returns the audience's tags (its static segments).
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	c, err := p.use()
	if err != nil {
		return nil, err
	}
	tags, err := c.Tags(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.Tag, len(tags))
	for i, t := range tags {
		out[i] = sdk.Tag{ID: t.ID, Name: t.Name}
	}
	return out, nil
}

// ListFields returns the audience's merge fields by tag, an address as
// one field per part ("ADDRESS.city", named "Address: city").
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	c, err := p.use()
	if err != nil {
		return nil, err
	}
	fields, err := c.MergeFields(ctx)
	if err != nil {
		return nil, err
	}
	var out []sdk.Field
	for _, f := range fields {
		for _, id := range f.FieldIDs() {
			name := f.Name
			if _, part, ok := strings.Cut(id, "."); ok {
				name += ": " + part
			}
			out = append(out, sdk.Field{ID: id, Name: name})
		}
	}
	return out, nil
}

// UpdateContact writes merge fields to a member (a returned password into
// its merge field, say).
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	c, err := p.use()
	if err != nil {
		return err
	}
	return c.UpdateMergeFields(ctx, id, fields)
}
