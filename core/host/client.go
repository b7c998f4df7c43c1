package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
)

// Client is the handle on one CRM's plugin that the engine and the inbox
// use. Every error it returns is an *sdk.Error (so sdk.KindOf and
// sdk.RetryAfter work) or wraps ErrPluginDown (ErrPluginDied when the
// plugin went away during the call). Each call has the host's
// CallTimeout as deadline (or the caller's, if sooner); calls that reach
// the CRM's API wait for the CRM's rate limit first.
type Client struct {
	sup *supervisor
}

// DecodeResult is the plugin's reading of one webhook of a batch: Decoded,
// or Err, an *sdk.Error (normally Invalid) for a webhook without a usable
// contact.
type DecodeResult = pluginclient.DecodeResult

// Info describes the plugin as it last started; zero before it ever has.
func (c *Client) Info() sdk.Info {
	c.sup.mu.Lock()
	defer c.sup.mu.Unlock()
	return c.sup.info
}

// DecodeWebhooks has the plugin read a batch of webhooks: one result per
// webhook, in order. The error is for the batch as a whole. Decoding does
// not reach the CRM, so it is not rate-limited.
func (c *Client) DecodeWebhooks(ctx context.Context, hooks []sdk.RawWebhook) ([]DecodeResult, error) {
	return call(ctx, c, "decode webhooks", false, func(ctx context.Context, crm *pluginclient.Client) ([]DecodeResult, error) {
		return crm.DecodeWebhooks(ctx, hooks)
	})
}

// GetContact fetches a contact; sdk.IsNotFound(err) when the CRM has none.
func (c *Client) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	return call(ctx, c, "get contact "+id, true, func(ctx context.Context, crm *pluginclient.Client) (sdk.Contact, error) {
		return crm.GetContact(ctx, id)
	})
}

// FindContact returns the id of the contact with this e-mail address;
// sdk.IsNotFound(err) when there is none.
func (c *Client) FindContact(ctx context.Context, email string) (string, error) {
	return call(ctx, c, "find contact", true, func(ctx context.Context, crm *pluginclient.Client) (string, error) {
		return crm.FindContact(ctx, email)
	})
}

// ListTags returns every tag of the CRM account.
func (c *Client) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	return call(ctx, c, "list tags", true, func(ctx context.Context, crm *pluginclient.Client) ([]sdk.Tag, error) {
		return crm.ListTags(ctx)
	})
}

// ListFields returns every contact field of the CRM account.
func (c *Client) ListFields(ctx context.Context) ([]sdk.Field, error) {
	return call(ctx, c, "list fields", true, func(ctx context.Context, crm *pluginclient.Client) ([]sdk.Field, error) {
		return crm.ListFields(ctx)
	})
}

// UpdateContact writes fields (CRM field id → value) to a contact.
func (c *Client) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	_, err := call(ctx, c, "update contact "+id, true, func(ctx context.Context, crm *pluginclient.Client) (struct{}, error) {
		return struct{}{}, crm.UpdateContact(ctx, id, fields)
	})
	return err
}

// call is the one path of every call: pick the running plugin, wait for
// the rate limit when the call reaches the CRM, set the deadline, call,
// and read the error for the supervisor.
func call[T any](ctx context.Context, c *Client, op string, limited bool, f func(context.Context, *pluginclient.Client) (T, error)) (T, error) {
	return callPlugin(ctx, c, op, limited, true, f)
}

// callPlugin is call; authReconfigures says whether an Unauthenticated
// error means the CRM refused the plugin's credentials (configure again).
func callPlugin[T any](ctx context.Context, c *Client, op string, limited, authReconfigures bool, f func(context.Context, *pluginclient.Client) (T, error)) (T, error) {
	var zero T
	crm, err := c.sup.current()
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	if limited {
		if err := c.sup.limiter.Wait(ctx); err != nil {
			return zero, &sdk.Error{Kind: sdk.KindRetryable, Message: op + ": waiting for the rate limit", Err: err}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.sup.opts.CallTimeout)
	defer cancel()
	out, err := f(ctx, crm)
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, pluginclient.ErrUnavailable):
		c.sup.suspect()
		return zero, fmt.Errorf("crm %s: %s: %w (%v)", c.sup.name, op, ErrPluginDied, err)
	case authReconfigures && sdk.IsUnauthenticated(err):
		c.sup.reconfigure(err)
	}
	return zero, err
}

// Known waits, within ctx, until the plugin has given its Info once (or
// its first launch failed), and returns that Info and whether it is known.
// The door waits on it at start, so a webhook that arrives while the
// plugin is being launched for the first time meets its profile.
func (c *Client) Known(ctx context.Context) (sdk.Info, bool) {
	select {
	case <-c.sup.known:
	case <-ctx.Done():
	}
	c.sup.mu.Lock()
	defer c.sup.mu.Unlock()
	return c.sup.info, c.sup.info.Name != ""
}

// CheckWebhook has the plugin judge a request at the door. It does not
// reach the CRM, so it is not rate-limited. Its error is no verdict, never
// refused credentials: anyone can send the request it judges, so a forged
// one must not make the hub configure the CRM again.
func (c *Client) CheckWebhook(ctx context.Context, req sdk.Request) (sdk.Verdict, error) {
	return callPlugin(ctx, c, "check webhook", false, false, func(ctx context.Context, crm *pluginclient.Client) (sdk.Verdict, error) {
		return crm.CheckWebhook(ctx, req)
	})
}
