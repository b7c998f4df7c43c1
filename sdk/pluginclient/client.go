package pluginclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/crmhub/crmhub/sdk"
	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// Plugin is the hub's go-plugin glue: put it in plugin.ClientConfig.Plugins
// under sdk.PluginName, and Dispense returns a *Client.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
}

var _ plugin.GRPCPlugin = Plugin{}

// GRPCServer is not offered here: plugins serve with sdk.Serve.
func (Plugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("pluginclient.Plugin is the hub's side; a plugin serves with sdk.Serve")
}

// GRPCClient wraps the connection to a plugin process in a *Client.
func (Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return New(conn), nil
}

// DialOptions are the gRPC options of a connection to a plugin: messages
// up to sdk.MaxMessageBytes both ways, as sdk.Serve accepts. Put them in
// plugin.ClientConfig.GRPCDialOptions.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(sdk.MaxMessageBytes),
		grpc.MaxCallSendMsgSize(sdk.MaxMessageBytes),
	)}
}

// Client calls one plugin's CRM. It is an sdk.CRM, so the hub and sdktest
// can treat a remote plugin like a local one, plus the batch call
// DecodeWebhooks. Every error it returns is an *sdk.Error, or wraps
// ErrUnavailable when the plugin did not answer at all. Safe for
// concurrent use.
type Client struct {
	rpc crmv1.CRMClient
}

var (
	_ sdk.CRM            = (*Client)(nil)
	_ sdk.WebhookChecker = (*Client)(nil)
)

// New returns a Client that calls the plugin at the other end of conn.
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: crmv1.NewCRMClient(conn)}
}

// Info describes the plugin; ProtocolVersion is the version the plugin's
// SDK speaks.
func (c *Client) Info(ctx context.Context) (sdk.Info, error) {
	resp, err := c.rpc.Info(outgoing(ctx), &crmv1.InfoRequest{})
	if err != nil {
		return sdk.Info{}, fromStatus(ctx, "info", err)
	}
	return infoFromProto(resp), nil
}

// Configure hands the plugin its settings.
func (c *Client) Configure(ctx context.Context, settings sdk.Settings) error {
	_, err := c.rpc.Configure(outgoing(ctx), &crmv1.ConfigureRequest{Settings: settings})
	return fromStatus(ctx, "configure", err)
}

// CheckWebhook asks the plugin to judge a request before it is stored.
func (c *Client) CheckWebhook(ctx context.Context, req sdk.Request) (sdk.Verdict, error) {
	resp, err := c.rpc.CheckWebhook(outgoing(ctx), requestToProto(req))
	if err != nil {
		return sdk.Verdict{}, fromStatus(ctx, "check webhook", err)
	}
	return verdictFromProto(resp), nil
}

// DecodeResult is the plugin's reading of one webhook of a batch: its
// items (possibly none), or Err (an *sdk.Error, normally Invalid) when the
// request cannot be read.
type DecodeResult struct {
	Items []sdk.Item
	Err   error
}

// maxBatchBytes keeps one DecodeWebhooks request of several webhooks under
// gRPC's default 4 MiB message limit, which a plugin built with an older
// SDK still has; bigger batches are sent in several calls, and a single
// larger webhook travels alone (up to sdk.MaxMessageBytes).
const maxBatchBytes = 3 << 20

// DecodeWebhooks has the plugin read a batch of webhooks, in as few calls
// as the message size allows. It returns one result per webhook, in order;
// the error is for a failure of the whole batch.
func (c *Client) DecodeWebhooks(ctx context.Context, hooks []sdk.RawWebhook) ([]DecodeResult, error) {
	results := make([]DecodeResult, 0, len(hooks))
	for _, chunk := range chunks(hooks, maxBatchBytes) {
		resp, err := c.rpc.DecodeWebhooks(outgoing(ctx), &crmv1.DecodeWebhooksRequest{Webhooks: chunk})
		if err != nil {
			return nil, fromStatus(ctx, "decode webhooks", err)
		}
		if got := len(resp.GetResults()); got != len(chunk) {
			return nil, &sdk.Error{Kind: sdk.KindRetryable, Message: fmt.Sprintf(
				"decode webhooks: plugin answered %d results for %d webhooks", got, len(chunk))}
		}
		for _, r := range resp.GetResults() {
			results = append(results, decodeResultFromProto(r))
		}
	}
	return results, nil
}

// chunks encodes hooks and splits them into batches of at most max bytes
// of body; a single larger webhook travels alone.
func chunks(hooks []sdk.RawWebhook, max int) [][]*crmv1.RawWebhook {
	var out [][]*crmv1.RawWebhook
	var cur []*crmv1.RawWebhook
	size := 0
	for _, h := range hooks {
		n := len(h.Body) + len(h.ContentType) + len(h.Method)
		if len(cur) > 0 && size+n > max {
			out, cur, size = append(out, cur), nil, 0
		}
		cur = append(cur, rawWebhookToProto(h))
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// DecodeWebhook has the plugin read one webhook (a batch of one).
func (c *Client) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	results, err := c.DecodeWebhooks(ctx, []sdk.RawWebhook{hook})
	if err != nil {
		return nil, err
	}
	return results[0].Items, results[0].Err
}

// GetContact fetches one contact.
func (c *Client) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	resp, err := c.rpc.GetContact(outgoing(ctx), &crmv1.GetContactRequest{Id: id})
	if err != nil {
		return sdk.Contact{}, fromStatus(ctx, "get contact", err)
	}
	return contactFromProto(resp.GetContact()), nil
}

// FindContact returns the id of the contact with this e-mail address.
func (c *Client) FindContact(ctx context.Context, email string) (string, error) {
	resp, err := c.rpc.FindContact(outgoing(ctx), &crmv1.FindContactRequest{Email: email})
	if err != nil {
		return "", fromStatus(ctx, "find contact", err)
	}
	return resp.GetId(), nil
}

// ListTags returns every tag of the account.
func (c *Client) ListTags(ctx context.Context) ([]sdk.Tag, error) {
	resp, err := c.rpc.ListTags(outgoing(ctx), &crmv1.ListTagsRequest{})
	if err != nil {
		return nil, fromStatus(ctx, "list tags", err)
	}
	return tagsFromProto(resp.GetTags()), nil
}

// ListFields returns every contact field of the account.
func (c *Client) ListFields(ctx context.Context) ([]sdk.Field, error) {
	resp, err := c.rpc.ListFields(outgoing(ctx), &crmv1.ListFieldsRequest{})
	if err != nil {
		return nil, fromStatus(ctx, "list fields", err)
	}
	return fieldsFromProto(resp.GetFields()), nil
}

// UpdateContact writes fields to a contact.
func (c *Client) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	_, err := c.rpc.UpdateContact(outgoing(ctx), &crmv1.UpdateContactRequest{Id: id, Fields: fields})
	return fromStatus(ctx, "update contact", err)
}

// outgoing puts the event id of ctx (sdk.WithEventID), if any, into the
// call's metadata, where the plugin's sdk.EventID finds it.
func outgoing(ctx context.Context) context.Context {
	if id := sdk.EventID(ctx); id != "" {
		return metadata.AppendToOutgoingContext(ctx, sdk.EventIDMetadataKey, id)
	}
	return ctx
}
