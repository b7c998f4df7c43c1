// Package acme is the example crmhub plugin: it connects the hub to the
// imaginary Acme CRM's JSON API. It is small on purpose, and shows every
// part of the plugin protocol a real plugin needs; the SDK's guide
// (sdk/README.md) quotes it.
package acme

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// Plugin is the Acme CRM plugin. The hub may call Configure on a live
// plugin while other calls run, so everything Configure sets lives in one
// immutable *state that Configure swaps in under mu.
type Plugin struct {
	mu    sync.RWMutex
	state *state // nil until the first Configure succeeds
}

// state is what one successful Configure produced. It is never changed
// after it is swapped in, so a call that took it reads it without a lock.
type state struct {
	api           *client
	accountID     string
	webhookSecret []byte
	maxAge        time.Duration
	ignoreEvents  []string
	carryContacts bool
}

var (
	_ sdk.CRM            = (*Plugin)(nil)
	_ sdk.WebhookChecker = (*Plugin)(nil)
)

// New returns an unconfigured plugin.
func New() *Plugin { return &Plugin{} }

// Info describes the plugin and its settings. It works before Configure.
func (p *Plugin) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "acme",
		DisplayName:  "Acme CRM",
		Version:      "1.0.0",
		Capabilities: []string{"update_contact"},
		Settings: []sdk.Setting{
			{Name: "base_url", Description: "Acme's API address", Default: "https://api.acme.example"},
			{Name: "api_key", Description: "an API key from Acme's Settings → API (starts with acme_)", Required: true, Secret: true},
			{Name: "webhook_secret", Description: "the signing secret of the webhook subscription", Required: true, Secret: true},
			{Name: "max_age", Description: "how far a webhook's signed timestamp may be from its receipt", Type: sdk.TypeDuration, Default: "5m"},
			{Name: "page_size", Description: "tags read per request (1 to 500)", Type: sdk.TypeInt, Default: "100"},
			{Name: "ignore_events", Description: "Acme event types to record as ignored", Type: sdk.TypeList, Default: "contact.viewed"},
			{Name: "carry_contacts", Description: "take contact.updated webhooks' contact data as is, without fetching it", Type: sdk.TypeBool, Default: "true"},
		},
	}, nil
}

// Configure checks the settings, then asks Acme whose API key this is, and
// keeps the new settings only when both succeed: a refused or malformed
// config leaves the plugin serving with the one it had.
func (p *Plugin) Configure(ctx context.Context, settings sdk.Settings) error {
	next, err := parseSettings(settings)
	if err != nil {
		return err
	}
	account, err := next.api.account(ctx)
	if err != nil {
		return fmt.Errorf("check the api_key with Acme: %w", err)
	}
	next.accountID = account
	p.mu.Lock()
	p.state = next
	p.mu.Unlock()
	sdk.Log(ctx).Info("configured", "account_id", account)
	return nil
}

// parseSettings reads the settings into a new state; Invalid, naming the
// setting (never a secret's value), for a value that cannot be right.
func parseSettings(settings sdk.Settings) (*state, error) {
	base, err := url.Parse(settings.String("base_url"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, sdk.Invalid("setting base_url: %q is not an http(s) address", settings.String("base_url"))
	}
	key := settings.String("api_key")
	if !strings.HasPrefix(key, "acme_") {
		return nil, sdk.Invalid("setting api_key: an Acme API key starts with acme_; copy it from Acme's Settings → API")
	}
	secret := settings.String("webhook_secret")
	if secret == "" {
		return nil, sdk.Invalid("setting webhook_secret is required: copy it from the webhook subscription in Acme")
	}
	maxAge, err := settings.Duration("max_age")
	if err != nil {
		return nil, err
	}
	pageSize, err := settings.Int("page_size")
	if err != nil {
		return nil, err
	}
	if pageSize < 1 || pageSize > 500 {
		return nil, sdk.Invalid("setting page_size: %d is not between 1 and 500", pageSize)
	}
	carry, err := settings.Bool("carry_contacts")
	if err != nil {
		return nil, err
	}
	// The hub calls from many workers at once: a pool that keeps as many
	// connections to Acme (Go's default keeps two).
	api := &http.Client{Transport: sdk.APITransport()}
	return &state{
		api:           &client{base: strings.TrimSuffix(base.String(), "/"), key: key, pageSize: pageSize, http: api},
		webhookSecret: []byte(secret),
		maxAge:        maxAge,
		ignoreEvents:  settings.List("ignore_events"),
		carryContacts: carry,
	}, nil
}

// current is the state of the last successful Configure; Unauthenticated
// before there is one, so the hub configures the plugin and tries again.
func (p *Plugin) current() (*state, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.state == nil {
		return nil, sdk.Unauthenticated("the Acme plugin is not configured yet")
	}
	return p.state, nil
}

// GetContact fetches one contact; NotFound when Acme has no such id.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	st, err := p.current()
	if err != nil {
		return sdk.Contact{}, err
	}
	var c apiContact
	if err := st.api.do(ctx, http.MethodGet, "/v1/contacts/"+url.PathEscape(id), nil, &c); err != nil {
		return sdk.Contact{}, fmt.Errorf("get contact %s: %w", id, err)
	}
	return c.sdk(), nil
}

// FindContact returns the id of the contact with this e-mail address.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	st, err := p.current()
	if err != nil {
		return "", err
	}
	var found struct{ Data []apiContact }
	if err := st.api.do(ctx, http.MethodGet, "/v1/contacts?email="+url.QueryEscape(email), nil, &found); err != nil {
		return "", fmt.Errorf("find contact by e-mail: %w", err)
	}
	if len(found.Data) == 0 {
		return "", sdk.NotFound("no Acme contact has the address %s", email)
	}
	return found.Data[0].ID, nil
}

// ListTags reads every tag, page by page.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	st, err := p.current()
	if err != nil {
		return nil, err
	}
	var tags []sdk.Tag
	after := ""
	for {
		var page struct {
			Data []sdk.Tag
			Next string
		}
		path := fmt.Sprintf("/v1/tags?limit=%d&after=%s", st.api.pageSize, url.QueryEscape(after))
		if err := st.api.do(ctx, http.MethodGet, path, nil, &page); err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		tags = append(tags, page.Data...)
		if page.Next == "" {
			return tags, nil
		}
		after = page.Next
	}
}

// ListFields reads every contact field.
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	st, err := p.current()
	if err != nil {
		return nil, err
	}
	var fields struct{ Data []sdk.Field }
	if err := st.api.do(ctx, http.MethodGet, "/v1/fields", nil, &fields); err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	return fields.Data, nil
}

// UpdateContact writes fields; Acme leaves the others alone.
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	st, err := p.current()
	if err != nil {
		return err
	}
	patch := map[string]any{"fields": fields}
	if err := st.api.do(ctx, http.MethodPatch, "/v1/contacts/"+url.PathEscape(id), patch, nil); err != nil {
		return fmt.Errorf("update contact %s: %w", id, err)
	}
	return nil
}
