package hub

import (
	"context"
	"fmt"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/outbox"
	"github.com/crmhub/crmhub/sdk"
)

// plugins lets the inbox, the engine and the outbox reach a CRM by name
// through the plugin host.
type plugins struct{ host *host.Host }

var _ inbox.Plugins = plugins{}

func (p plugins) client(crm string) (*host.Client, error) {
	c := p.host.Client(crm)
	if c == nil {
		return nil, fmt.Errorf("crm %s: %w", crm, host.ErrPluginDown)
	}
	return c, nil
}

func (p plugins) Ready(crm string) bool { return p.host.Ready(crm) }

func (p plugins) DecodeWebhooks(ctx context.Context, crm string, hooks []sdk.RawWebhook) ([]inbox.Decoding, error) {
	c, err := p.client(crm)
	if err != nil {
		return nil, err
	}
	results, err := c.DecodeWebhooks(ctx, hooks)
	if err != nil {
		return nil, err
	}
	out := make([]inbox.Decoding, len(results))
	for i, r := range results {
		out[i] = inbox.Decoding{Items: r.Items, Err: r.Err}
	}
	return out, nil
}

func (p plugins) FindContact(ctx context.Context, crm, email string) (string, error) {
	c, err := p.client(crm)
	if err != nil {
		return "", err
	}
	return c.FindContact(ctx, email)
}

func (p plugins) GetContact(ctx context.Context, crm, id string) (sdk.Contact, error) {
	c, err := p.client(crm)
	if err != nil {
		return sdk.Contact{}, err
	}
	return c.GetContact(ctx, id)
}

func (p plugins) UpdateContact(ctx context.Context, crm, id string, fields map[string]string) error {
	c, err := p.client(crm)
	if err != nil {
		return err
	}
	return c.UpdateContact(ctx, id, fields)
}

// kickingEngine applies events through the engine and wakes the outbox
// when one created a user, so a welcome mail leaves at once rather than at
// the outbox's next poll, and the apps' delivery worker and change feed
// when one touched a user.
type kickingEngine struct {
	*engine.Engine
	outbox *outbox.Worker
	apps   *apps.Worker
	feed   *apps.Feed
}

func (k kickingEngine) Apply(ctx context.Context, ev engine.Event, commit engine.CommitFunc) (engine.Result, error) {
	res, err := k.Engine.Apply(ctx, ev, commit)
	if err == nil && res.Outcome == engine.Created {
		k.outbox.Kick()
	}
	if err == nil && res.UserID != 0 {
		// The event may have written a user event: push it and wake the
		// change feed's readers now rather than at their next poll.
		k.apps.Kick()
		k.feed.Notify()
	}
	return res, err
}
