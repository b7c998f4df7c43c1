package hub

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/outbox"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// The hub's parts report to the metrics through these wrappers around the
// seams it wires anyway, so none of them needs to know about metrics.

// meteredPlugins counts and times the calls that go to a CRM's API.
type meteredPlugins struct {
	plugins
	metrics *metrics.Metrics
}

var (
	_ inbox.Plugins    = meteredPlugins{}
	_ engine.Contacts  = meteredPlugins{}
	_ outbox.CRMWriter = meteredPlugins{}
)

func (p meteredPlugins) FindContact(ctx context.Context, crm, email string) (string, error) {
	start := time.Now()
	id, err := p.plugins.FindContact(ctx, crm, email)
	p.metrics.CRMCall(crm, "find_contact", time.Since(start), errorKind(err))
	return id, err
}

func (p meteredPlugins) GetContact(ctx context.Context, crm, id string) (sdk.Contact, error) {
	start := time.Now()
	c, err := p.plugins.GetContact(ctx, crm, id)
	p.metrics.CRMCall(crm, "get_contact", time.Since(start), errorKind(err))
	return c, err
}

func (p meteredPlugins) UpdateContact(ctx context.Context, crm, id string, fields map[string]string) error {
	start := time.Now()
	err := p.plugins.UpdateContact(ctx, crm, id, fields)
	p.metrics.CRMCall(crm, "update_contact", time.Since(start), errorKind(err))
	return err
}

// errorKind names how a CRM call failed, for a metric label: plugin_down,
// or the sdk error kind (not_found, invalid, unauthenticated, unsupported,
// retryable); "" when it did not.
func errorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, host.ErrPluginDown):
		return "plugin_down"
	}
	return strings.ReplaceAll(sdk.KindOf(err).String(), " ", "_")
}

// meteredApplier times every attempt at applying an event and counts how
// it ended. It reads an error the way the inbox does (see inbox's failed):
// the plugin was away, the event failed for good, or a retry follows.
type meteredApplier struct {
	next    inbox.Applier
	metrics *metrics.Metrics
}

func (a meteredApplier) Apply(ctx context.Context, ev engine.Event, commit engine.CommitFunc) (engine.Result, error) {
	start := time.Now()
	res, err := a.next.Apply(ctx, ev, commit)
	a.metrics.Attempted(ev.CRM, ev.Action, time.Since(start))
	switch {
	case err == nil:
		a.metrics.Processed(ev.CRM, string(res.Outcome))
	case errors.Is(err, store.ErrLeaseLost):
		// Another worker took the event over; its attempt counts there.
	case errors.Is(err, host.ErrPluginDown), sdk.IsUnauthenticated(err), ctx.Err() != nil:
		a.metrics.WaitedForPlugin(ev.CRM)
	case sdk.IsNotFound(err):
		a.metrics.Processed(ev.CRM, store.OutcomeNotFound)
	case sdk.IsTerminal(err):
		a.metrics.Processed(ev.CRM, store.OutcomeInvalidPayload)
	default:
		a.metrics.Retried(ev.CRM)
	}
	return res, err
}

// commitSizes observes the inbox's group commits through the store: the
// inbox stores each batch of webhooks with one INSERT into events (the
// store's InsertEvents), so the rows of that statement are the batch.
type commitSizes struct {
	metrics *metrics.Metrics
}

var _ bun.QueryHook = commitSizes{}

func (commitSizes) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (c commitSizes) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	insert, ok := e.IQuery.(*bun.InsertQuery)
	if !ok || e.Err != nil || e.Result == nil || insert.GetTableName() != "events" {
		return
	}
	if n, err := e.Result.RowsAffected(); err == nil && n > 0 {
		c.metrics.Committed(int(n))
	}
}
