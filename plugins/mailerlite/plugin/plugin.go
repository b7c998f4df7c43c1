package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/crmhub/crmhub/plugins/mailerlite/api"
	"github.com/crmhub/crmhub/plugins/mailerlite/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the MailerLite CRM. Its methods may be called concurrently,
// Configure included.
type Plugin struct {
	mu     sync.RWMutex
	client *api.Client // nil until Configure succeeds
	secret string
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
		Name:         "mailerlite",
		DisplayName:  "MailerLite",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
	}, nil
}

// Configure checks the settings and the key (one read of the fields), and
// only then keeps them.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
	s, err := parseSettings(raw)
	if err != nil {
		return err
	}
	client, err := api.New(s.client)
	if err != nil {
		return sdk.Invalid("check the settings: %v", err)
	}
	if err := client.CheckAccess(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	p.client, p.secret = client, s.secret
	p.mu.Unlock()
	sdk.Log(ctx).Info("configured", "signed_webhooks", s.secret != "")
	return nil
}

func (p *Plugin) use() (*api.Client, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.client == nil {
		return nil, sdk.Unauthenticated("the MailerLite plugin is not configured yet")
	}
	return p.client, nil
}

// malformed is the answer to a request that is not MailerLite's JSON.
var malformed = sdk.Answer{Status: http.StatusBadRequest, ContentType: "application/json",
	Body: []byte(`{"error":"malformed_webhook","message":"MailerLite webhooks are JSON POSTs"}` + "\n")}

// CheckWebhook refuses, before anything is stored, a request whose
// signature is missing or wrong (when webhook_secret is set: 401) and one
// that is not a JSON POST (400).
func (p *Plugin) CheckWebhook(_ context.Context, req sdk.Request) (sdk.Verdict, error) {
	p.mu.RLock()
	configured, secret := p.client != nil, p.secret
	p.mu.RUnlock()
	if !configured {
		return sdk.Verdict{}, sdk.Unauthenticated("the MailerLite plugin is not configured yet")
	}
	if secret != "" {
		if err := webhook.Verify(req.Header, req.Body, secret); err != nil {
			return sdk.Reject("%s", err), nil
		}
	}
	if req.Method != http.MethodPost {
		return sdk.RejectWith(malformed, "not a POST"), nil
	}
	if !json.Valid(req.Body) {
		return sdk.RejectWith(malformed, "malformed JSON"), nil
	}
	return sdk.Accept(), nil
}

// DecodeWebhook reads a MailerLite webhook; see webhook.Decode.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	return webhook.Decode(hook)
}

// GetContact fetches a subscriber with its fields (by key) and groups (as tags).
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	c, err := p.use()
	if err != nil {
		return sdk.Contact{}, err
	}
	if !isID(id) {
		// The API would take an address here too; the hub names contacts by id.
		return sdk.Contact{}, sdk.NotFound("%q is not a MailerLite subscriber id", id)
	}
	s, err := c.Subscriber(ctx, id)
	if err != nil {
		return sdk.Contact{}, err
	}
	tags := make([]sdk.Tag, len(s.Groups))
	for i, g := range s.Groups {
		tags[i] = sdk.Tag{ID: g.ID, Name: g.Name}
	}
	return sdk.Contact{ID: s.ID, Email: s.Email, Tags: tags, Fields: s.Fields}, nil
}

func isID(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// FindContact returns the id of the subscriber with this address.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	c, err := p.use()
	if err != nil {
		return "", err
	}
	if email == "" {
		return "", sdk.NotFound("no e-mail address given")
	}
	s, err := c.Subscriber(ctx, email)
	if err != nil {
		return "", err
	}
	if s.ID == "" {
		return "", errors.New("MailerLite answered a subscriber without an id")
	}
	return s.ID, nil
}

// ListTags returns the account's groups.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	c, err := p.use()
	if err != nil {
		return nil, err
	}
	groups, err := c.Groups(ctx)
	if err != nil {
		return nil, err
	}
	tags := make([]sdk.Tag, len(groups))
	for i, g := range groups {
		tags[i] = sdk.Tag{ID: g.ID, Name: g.Name}
	}
	return tags, nil
}

// ListFields returns the account's subscriber fields by key (the id the
// subscriber's fields and writes use).
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	c, err := p.use()
	if err != nil {
		return nil, err
	}
	fields, err := c.Fields(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.Field, len(fields))
	for i, f := range fields {
		out[i] = sdk.Field{ID: f.Key, Name: f.Name}
	}
	return out, nil
}

// UpdateContact writes fields (by key) to a subscriber, e.g. a returned password.
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	c, err := p.use()
	if err != nil {
		return err
	}
	if !isID(id) {
		return sdk.NotFound("%q is not a MailerLite subscriber id", id)
	}
	return c.UpdateFields(ctx, id, fields)
}
