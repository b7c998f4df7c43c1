package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/crmhub/crmhub/plugins/salesforce/api"
	"github.com/crmhub/crmhub/plugins/salesforce/outbound"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the Salesforce CRM. Its methods may be called concurrently,
// and Configure again while others run.
type Plugin struct {
	log hclog.Logger // nil: hclog.Default(), read when needed

	// mu guards account. A call takes the account in use and runs on it;
	// Configure swaps in a new one. The old one needs no logout (a client
	// credentials token simply expires), so a call in flight may finish on
	// it.
	mu      sync.RWMutex
	account *account
}

var (
	_ sdk.CRM            = (*Plugin)(nil)
	_ sdk.WebhookChecker = (*Plugin)(nil)
)

// account is the plugin configured for one org.
type account struct {
	client   *api.Client
	orgID    string
	picklist string
}

// Option changes how New builds the plugin.
type Option func(*Plugin)

// WithLogger sends the plugin's log lines to log.
func WithLogger(log hclog.Logger) Option { return func(p *Plugin) { p.log = log } }

// New returns an unconfigured plugin.
func New(opts ...Option) *Plugin {
	p := &Plugin{}
	for _, opt := range opts {
		opt(p)
	}
	return p
}

func (p *Plugin) logger() hclog.Logger {
	if p.log != nil {
		return p.log
	}
	return hclog.Default()
}

// Info describes the plugin; it works before Configure.
func (p *Plugin) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "salesforce",
		DisplayName:  "Salesforce",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
		Webhooks:     sdk.WebhookProfile{Ack: outbound.Ack()},
	}, nil
}

// Configure checks the settings, gets an access token with them and keeps
// them. Settings wrong on their face are Invalid; a token refused is
// Unauthenticated; an org that cannot be reached Retryable. When Configure
// fails, the previous account stays.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
	s, err := parseSettings(raw)
	if err != nil {
		return err
	}
	s.client.Logger = p.logger()
	client, err := api.New(s.client)
	if err != nil {
		return sdk.Invalid("check the settings: %w", err)
	}
	if err := client.Authenticate(ctx); err != nil {
		return fmt.Errorf("get a Salesforce token with client_id and client_secret: %w", err)
	}
	p.mu.Lock()
	p.account = &account{client: client, orgID: s.orgID, picklist: s.picklist}
	p.mu.Unlock()
	tags := "topics"
	if s.picklist != "" {
		tags = "picklist:" + s.picklist
	}
	p.logger().Info("configured", "organization_id", s.orgID, "tags", tags)
	return nil
}

// use returns the account in use; Unauthenticated before Configure.
func (p *Plugin) use() (*account, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.account == nil {
		return nil, sdk.Unauthenticated("the Salesforce plugin is not configured yet")
	}
	return p.account, nil
}

// CheckWebhook accepts Outbound Messages of the configured org; see
// outbound.Check.
func (p *Plugin) CheckWebhook(ctx context.Context, req sdk.Request) (sdk.Verdict, error) {
	a, err := p.use()
	if err != nil {
		return sdk.Verdict{}, err
	}
	v := outbound.Check(a.orgID, req.Body)
	if v.Decision == sdk.DecisionReject {
		sdk.Log(ctx).Debug("outbound message refused", "reason", v.Reason, "status", v.RejectStatus())
	}
	return v, nil
}

// DecodeWebhook reads an Outbound Message; see outbound.Decode. The
// contacts are fetched again: a message carries only the fields its
// administrator chose.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	return outbound.Decode(hook)
}

// GetContact fetches a contact with its fields and tags.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	a, err := p.use()
	if err != nil {
		return sdk.Contact{}, err
	}
	fields, err := a.client.Contact(ctx, id)
	if err != nil {
		return sdk.Contact{}, err
	}
	tags, err := a.tags(ctx, id, fields)
	if err != nil {
		return sdk.Contact{}, err
	}
	return sdk.Contact{ID: id, Email: fields["Email"], Tags: tags, Fields: fields}, nil
}

// tags reads a contact's tags: its topics by name, or its picklist's values.
func (a *account) tags(ctx context.Context, id string, fields map[string]string) ([]sdk.Tag, error) {
	if a.picklist != "" {
		value, ok := fields[a.picklist]
		if !ok {
			return nil, sdk.Invalid("setting tags names the field %s, which Salesforce does not return for contacts", a.picklist)
		}
		return picklistTags(value), nil
	}
	ids, err := a.client.TopicIDs(ctx, id)
	if err != nil || len(ids) == 0 {
		return []sdk.Tag{}, err
	}
	names, err := a.client.Topics(ctx, ids)
	if err != nil {
		return nil, err
	}
	tags := make([]sdk.Tag, len(ids))
	for i, tid := range ids {
		tags[i] = sdk.Tag{ID: tid, Name: names[tid]}
	}
	return tags, nil
}

// picklistTags splits a multi-select picklist's value; a value is its own id.
func picklistTags(value string) []sdk.Tag {
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

// ListTags returns every topic of the org, or every value of the picklist.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	a, err := p.use()
	if err != nil {
		return nil, err
	}
	if a.picklist != "" {
		fields, err := a.client.Describe(ctx)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(fields, func(f api.Field) bool { return f.Name == a.picklist })
		if i < 0 {
			return nil, sdk.Invalid("setting tags names the field %s, which the Contact object does not have", a.picklist)
		}
		tags := []sdk.Tag{}
		for _, v := range fields[i].PicklistValues {
			tags = append(tags, sdk.Tag{ID: v.Value, Name: v.Label})
		}
		return tags, nil
	}
	names, err := a.client.Topics(ctx, nil)
	if err != nil {
		return nil, err
	}
	tags := make([]sdk.Tag, 0, len(names))
	for id, name := range names {
		tags = append(tags, sdk.Tag{ID: id, Name: name})
	}
	slices.SortFunc(tags, func(a, b sdk.Tag) int { return strings.Compare(a.ID, b.ID) })
	return tags, nil
}

// ListFields returns the Contact object's fields by API name and label.
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	a, err := p.use()
	if err != nil {
		return nil, err
	}
	described, err := a.client.Describe(ctx)
	if err != nil {
		return nil, err
	}
	fields := make([]sdk.Field, len(described))
	for i, f := range described {
		fields[i] = sdk.Field{ID: f.Name, Name: f.Label}
	}
	return fields, nil
}

// UpdateContact writes fields (API name → value) to a contact.
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	a, err := p.use()
	if err != nil {
		return err
	}
	return a.client.UpdateContact(ctx, id, fields)
}
