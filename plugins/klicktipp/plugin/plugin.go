package plugin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/plugins/klicktipp/outbound"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// logoutTimeout bounds ending the old session when settings change.
const logoutTimeout = 5 * time.Second

// Plugin is the KlickTipp CRM. Its methods may be called concurrently, and
// Configure again while others run.
type Plugin struct {
	log     hclog.Logger // nil: hclog.Default(), read when needed
	account atomic.Pointer[account]
}

var _ sdk.CRM = (*Plugin)(nil)

// account is the plugin configured for one KlickTipp account.
type account struct {
	client  *api.Client
	tags    *tagCache
	allTags bool
}

// Option changes how New builds the plugin.
type Option func(*Plugin)

// WithLogger sends the plugin's log lines to log instead of hclog's
// default logger (which sdk.Serve sets to the hub-facing one).
func WithLogger(log hclog.Logger) Option {
	return func(p *Plugin) { p.log = log }
}

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
		Name:         "klicktipp",
		DisplayName:  "KlickTipp",
		Version:      Version,
		Capabilities: []string{"update_contact"},
		Settings:     slices.Clone(settingsInfo),
	}, nil
}

// Configure checks the settings, logs in and checks API access with
// GET /tag, whose answer also fills the tag cache. It replaces the account
// in use only when all of that worked.
func (p *Plugin) Configure(ctx context.Context, raw map[string]string) error {
	s, err := parseSettings(raw)
	if err != nil {
		return err
	}
	log := p.logger()
	s.client.Logger = log
	client, err := api.New(s.client)
	if err != nil {
		return sdk.Invalid("check the settings: %v", err)
	}
	if err := client.Login(ctx); err != nil {
		return fmt.Errorf("log in to KlickTipp: %w", err)
	}
	next := &account{client: client, tags: newTagCache(client.Tags), allTags: s.allTags}
	tags, err := client.Tags(ctx)
	if err != nil {
		_ = client.Close(ctx)
		return fmt.Errorf("check API access (GET /tag): %w", err)
	}
	next.tags.store(tags)

	if previous := p.account.Swap(next); previous != nil {
		p.endSession(previous)
	}
	log.Info("configured", "auth", s.authMode, "all_tags", s.allTags, "tag_count", len(tags))
	return nil
}

// endSession logs the replaced account out, in the background: calls that
// still use it finish, or log in again if they must.
func (p *Plugin) endSession(old *account) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
		defer cancel()
		if err := old.client.Close(ctx); err != nil {
			p.logger().Debug("logging the previous session out failed", "error", err)
		}
	}()
}

// configured returns the account in use, or Unauthenticated before
// Configure has succeeded.
func (p *Plugin) configured() (*account, error) {
	a := p.account.Load()
	if a == nil {
		return nil, sdk.Unauthenticated("the KlickTipp plugin is not configured yet")
	}
	return a, nil
}

// DecodeWebhook reads a KlickTipp outbound; see outbound.Decode.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) (sdk.Decoded, error) {
	return outbound.Decode(hook)
}

// GetContact fetches a contact with its e-mail address, its tags (manual
// ones, or all with tags: all) by name, and its fields.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	a, err := p.configured()
	if err != nil {
		return sdk.Contact{}, err
	}
	sub, err := a.client.Subscriber(ctx, id)
	if err != nil {
		return sdk.Contact{}, err
	}
	tagIDs := sub.ManualTags
	if a.allTags {
		tagIDs = sub.Tags
	}
	tags, err := a.tags.name(ctx, tagIDs)
	if err != nil {
		return sdk.Contact{}, err
	}
	return sdk.Contact{ID: id, Email: sub.Email, Tags: tags, Fields: sub.Fields}, nil
}

// FindContact returns the id of the contact with this e-mail address.
func (p *Plugin) FindContact(ctx context.Context, email string) (string, error) {
	a, err := p.configured()
	if err != nil {
		return "", err
	}
	return a.client.Search(ctx, email)
}

// ListTags returns every tag of the account, fresh from KlickTipp; the tag
// cache takes the list too.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	a, err := p.configured()
	if err != nil {
		return nil, err
	}
	names, err := a.client.Tags(ctx)
	if err != nil {
		return nil, err
	}
	a.tags.store(names)
	tags := make([]sdk.Tag, 0, len(names))
	for id, name := range names {
		tags = append(tags, sdk.Tag{ID: id, Name: name})
	}
	slices.SortFunc(tags, func(a, b sdk.Tag) int { return compareIDs(a.ID, b.ID) })
	return tags, nil
}

// ListFields returns every contact field of the account.
func (p *Plugin) ListFields(ctx context.Context) ([]sdk.Field, error) {
	a, err := p.configured()
	if err != nil {
		return nil, err
	}
	names, err := a.client.Fields(ctx)
	if err != nil {
		return nil, err
	}
	fields := make([]sdk.Field, 0, len(names))
	for id, name := range names {
		fields = append(fields, sdk.Field{ID: id, Name: name})
	}
	slices.SortFunc(fields, func(a, b sdk.Field) int { return strings.Compare(a.ID, b.ID) })
	return fields, nil
}

// UpdateContact writes fields to a contact. The field "email", which
// GetContact reports too, changes the contact's e-mail address.
func (p *Plugin) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	a, err := p.configured()
	if err != nil {
		return err
	}
	changes := api.Changes{Fields: make(map[string]string, len(fields))}
	for field, value := range fields {
		if field == "email" {
			changes.NewEmail = value
			continue
		}
		changes.Fields[field] = value
	}
	return a.client.Update(ctx, id, changes)
}

// compareIDs orders KlickTipp's numeric ids by value.
func compareIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}
