package plugin

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/semaphore"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/plugins/klicktipp/outbound"
	"github.com/crmhub/crmhub/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// logoutTimeout bounds ending the old session when settings change.
const logoutTimeout = 5 * time.Second

// everyCall is the weight of the inUse semaphore: a call holds one unit,
// Configure all of them.
const everyCall = math.MaxInt64

// Plugin is the KlickTipp CRM. Its methods may be called concurrently, and
// Configure again while others run.
type Plugin struct {
	log hclog.Logger // nil: hclog.Default(), read when needed

	// inUse lets calls share the account and Configure replace it alone.
	// Configure logs the old session out before the new login, so a call
	// that ran on across the swap would find its session gone: it would
	// log in again with the old credentials (which may be the very ones
	// just changed, so it fails) and leave that session live behind the
	// new one. So a call holds one unit while it uses the account, and
	// Configure takes every unit: it waits for the calls in flight to end,
	// and calls that come meanwhile wait for it (the semaphore serves in
	// order) and then run on the new account. No call fails for a
	// reconfigure; it waits the length of one logout and one login.
	inUse   *semaphore.Weighted
	account *account // nil until Configure succeeds; guarded by inUse
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
	p := &Plugin{inUse: semaphore.NewWeighted(everyCall)}
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

// Configure checks the settings, logs the session in use out, logs in
// with the new settings and checks API access with GET /tag, whose answer
// also fills the tag cache. It holds calls meanwhile (see inUse).
//
// Only settings it can judge without KlickTipp are Invalid, which the hub
// does not retry until the config changes. What KlickTipp answers is
// Unauthenticated when it refuses the credentials and Retryable otherwise,
// so a fix made in KlickTipp (API access granted, an outage over) is
// picked up without a config change. When Configure fails, the old
// account stays; its client logs in again if it is called.
func (p *Plugin) Configure(ctx context.Context, raw sdk.Settings) error {
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

	if err := p.inUse.Acquire(ctx, everyCall); err != nil {
		return sdk.Retryable(fmt.Errorf("wait for the calls in flight to end: %w", err), 0)
	}
	defer p.inUse.Release(everyCall)
	if p.account != nil {
		p.logOut(ctx, p.account)
	}
	next, tagCount, err := connect(ctx, client, s.allTags)
	if err != nil {
		return err
	}
	p.account = next
	log.Info("configured", "auth", s.authMode, "all_tags", s.allTags, "tag_count", tagCount)
	return nil
}

// connect logs client in and checks API access; it returns the account
// and how many tags it has.
func connect(ctx context.Context, client *api.Client, allTags bool) (*account, int, error) {
	if err := client.Login(ctx); err != nil {
		return nil, 0, answerError("log in to KlickTipp", err)
	}
	tags, err := client.Tags(ctx)
	if err != nil {
		_ = client.Close(ctx)
		return nil, 0, answerError("check API access (GET /tag)", err)
	}
	a := &account{client: client, tags: newTagCache(client.Tags), allTags: allTags}
	a.tags.store(tags)
	return a, len(tags), nil
}

// answerError wraps an error from talking to KlickTipp for Configure. The
// client calls answers it cannot use Invalid (a 404 from a wrong base_url,
// a 4xx it does not know); for Configure they are Retryable: the settings
// parsed, and what KlickTipp answers may change.
func answerError(step string, err error) error {
	err = fmt.Errorf("%s: %w", step, err)
	if sdk.IsInvalid(err) {
		return sdk.Retryable(err, 0)
	}
	return err
}

// logOut ends the old account's session. Its failure does not stop
// Configure: the session then ends when KlickTipp expires it.
func (p *Plugin) logOut(ctx context.Context, old *account) {
	ctx, cancel := context.WithTimeout(ctx, logoutTimeout)
	defer cancel()
	if err := old.client.Close(ctx); err != nil {
		p.logger().Warn("logging the previous session out failed", "error", err)
	}
}

// use returns the account for one call, held until release is called.
// It answers Unauthenticated before Configure has succeeded.
func (p *Plugin) use(ctx context.Context) (a *account, release func(), err error) {
	if err := p.inUse.Acquire(ctx, 1); err != nil {
		return nil, nil, sdk.Retryable(fmt.Errorf("wait for Configure to end: %w", err), 0)
	}
	release = func() { p.inUse.Release(1) }
	if p.account == nil {
		release()
		return nil, nil, sdk.Unauthenticated("the KlickTipp plugin is not configured yet")
	}
	return p.account, release, nil
}

// DecodeWebhook reads a KlickTipp outbound; see outbound.Decode.
func (p *Plugin) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	item, err := outbound.Decode(hook)
	if err != nil {
		return nil, err
	}
	return []sdk.Item{item}, nil
}

// GetContact fetches a contact with its e-mail address, its tags (manual
// ones, or all with tags: all) by name, and its fields.
func (p *Plugin) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	a, release, err := p.use(ctx)
	if err != nil {
		return sdk.Contact{}, err
	}
	defer release()
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
	a, release, err := p.use(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return a.client.Search(ctx, email)
}

// ListTags returns every tag of the account, fresh from KlickTipp; the tag
// cache takes the list too.
func (p *Plugin) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	a, release, err := p.use(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
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
	a, release, err := p.use(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
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
	a, release, err := p.use(ctx)
	if err != nil {
		return err
	}
	defer release()
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
