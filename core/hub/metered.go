package hub

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/outbox"
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
