package sdk

import (
	"context"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc/metadata"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// grpcServer is the plugin-side adapter: it turns each RPC into a call of
// the plugin's CRM. Every RPC goes through handle.
type grpcServer struct {
	crmv1.UnimplementedCRMServer
	impl CRM
}

var _ crmv1.CRMServer = (*grpcServer)(nil)

// handle is the one place an RPC is served: it calls method with the
// decoded request, encodes the answer, and turns an error into a gRPC
// status the host can read back. A panic in the plugin answers Internal
// (retryable), so one bad call never ends the plugin process.
func handle[In, Out, Resp any](ctx context.Context, rpc string, in In, method func(context.Context, In) (Out, error), encode func(Out) Resp) (resp Resp, err error) {
	ctx = withIncomingEventID(ctx)
	defer func() {
		if p := recover(); p != nil {
			logger.Error("plugin panicked", "rpc", rpc, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = panicStatus(ctx, fmt.Errorf("plugin bug: %s panicked: %v", rpc, p))
		}
	}()
	out, err := method(ctx, in)
	if err != nil {
		return resp, toStatus(ctx, err)
	}
	return encode(out), nil
}

type none struct{}

func (s *grpcServer) Info(ctx context.Context, _ *crmv1.InfoRequest) (*crmv1.InfoResponse, error) {
	info := func(ctx context.Context, _ none) (Info, error) {
		info, err := s.impl.Info(ctx)
		info.ProtocolVersion = ProtocolVersion // the version this SDK speaks, whatever the plugin says
		_, info.Webhooks.Check = s.impl.(WebhookChecker)
		return info, err
	}
	return handle(ctx, "Info", none{}, info, infoToProto)
}

func (s *grpcServer) Configure(ctx context.Context, req *crmv1.ConfigureRequest) (*crmv1.ConfigureResponse, error) {
	configure := func(ctx context.Context, settings map[string]string) (none, error) {
		return none{}, s.impl.Configure(ctx, settings)
	}
	return handle(ctx, "Configure", nonNil(req.GetSettings()), configure, func(none) *crmv1.ConfigureResponse {
		return &crmv1.ConfigureResponse{}
	})
}

// DecodeWebhooks serves the batch by calling DecodeWebhook once per
// request; a request the plugin cannot read, or panics on, gets its own
// error and does not fail the batch.
func (s *grpcServer) DecodeWebhooks(ctx context.Context, req *crmv1.DecodeWebhooksRequest) (*crmv1.DecodeWebhooksResponse, error) {
	decodeAll := func(ctx context.Context, hooks []*crmv1.RawWebhook) ([]*crmv1.DecodeResult, error) {
		results := make([]*crmv1.DecodeResult, 0, len(hooks))
		for _, hook := range hooks {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			items, err := s.decodeOne(ctx, hook)
			results = append(results, decodeResultToProto(items, err))
		}
		return results, nil
	}
	return handle(ctx, "DecodeWebhooks", req.GetWebhooks(), decodeAll, func(results []*crmv1.DecodeResult) *crmv1.DecodeWebhooksResponse {
		return &crmv1.DecodeWebhooksResponse{Results: results}
	})
}

// decodeOne has the plugin read one webhook. A panic in its decoder
// becomes this webhook's error, Retryable rather than Invalid: a panic is
// a bug of the plugin, not a verdict on the webhook. The hub retries it
// with backoff and, if the plugin panics on it every time, ends it dead
// (gave_up) with this message, to be replayed once the plugin is fixed.
func (s *grpcServer) decodeOne(ctx context.Context, hook *crmv1.RawWebhook) (items []Item, err error) {
	ctx = WithEventID(ctx, hook.GetEventId())
	defer func() {
		if p := recover(); p != nil {
			Log(ctx).Error("plugin panicked decoding a webhook", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			items, err = nil, Retryablef(0, "plugin bug: decoding this webhook panicked: %v", p)
		}
	}()
	return s.impl.DecodeWebhook(ctx, rawWebhookFromProto(hook))
}

// CheckWebhook serves the door check of a CRM that implements
// WebhookChecker; for any other it answers Unsupported (the hub asks only
// plugins whose Info says Check).
func (s *grpcServer) CheckWebhook(ctx context.Context, req *crmv1.CheckWebhookRequest) (*crmv1.CheckWebhookResponse, error) {
	check := func(ctx context.Context, req *crmv1.CheckWebhookRequest) (Verdict, error) {
		checker, ok := s.impl.(WebhookChecker)
		if !ok {
			return Verdict{}, Unsupported("this plugin does not check webhooks at the door")
		}
		return checker.CheckWebhook(ctx, requestFromProto(req))
	}
	return handle(ctx, "CheckWebhook", req, check, verdictToProto)
}

func (s *grpcServer) GetContact(ctx context.Context, req *crmv1.GetContactRequest) (*crmv1.GetContactResponse, error) {
	return handle(ctx, "GetContact", req.GetId(), s.impl.GetContact, func(c Contact) *crmv1.GetContactResponse {
		return &crmv1.GetContactResponse{Contact: contactToProto(c)}
	})
}

func (s *grpcServer) FindContact(ctx context.Context, req *crmv1.FindContactRequest) (*crmv1.FindContactResponse, error) {
	return handle(ctx, "FindContact", req.GetEmail(), s.impl.FindContact, func(id string) *crmv1.FindContactResponse {
		return &crmv1.FindContactResponse{Id: id}
	})
}

func (s *grpcServer) ListTags(ctx context.Context, _ *crmv1.ListTagsRequest) (*crmv1.ListTagsResponse, error) {
	list := func(ctx context.Context, _ none) ([]Tag, error) { return s.impl.ListTags(ctx) }
	return handle(ctx, "ListTags", none{}, list, func(tags []Tag) *crmv1.ListTagsResponse {
		return &crmv1.ListTagsResponse{Tags: tagsToProto(tags)}
	})
}

func (s *grpcServer) ListFields(ctx context.Context, _ *crmv1.ListFieldsRequest) (*crmv1.ListFieldsResponse, error) {
	list := func(ctx context.Context, _ none) ([]Field, error) { return s.impl.ListFields(ctx) }
	return handle(ctx, "ListFields", none{}, list, func(fields []Field) *crmv1.ListFieldsResponse {
		return &crmv1.ListFieldsResponse{Fields: fieldsToProto(fields)}
	})
}

func (s *grpcServer) UpdateContact(ctx context.Context, req *crmv1.UpdateContactRequest) (*crmv1.UpdateContactResponse, error) {
	update := func(ctx context.Context, req *crmv1.UpdateContactRequest) (none, error) {
		return none{}, s.impl.UpdateContact(ctx, req.GetId(), nonNil(req.GetFields()))
	}
	return handle(ctx, "UpdateContact", req, update, func(none) *crmv1.UpdateContactResponse {
		return &crmv1.UpdateContactResponse{}
	})
}

// EventIDMetadataKey is the gRPC metadata key that carries the event id of
// a call (see WithEventID).
const EventIDMetadataKey = "crmhub-event-id"

// withIncomingEventID moves the event id the host sent as metadata into
// ctx, where EventID and Log find it.
func withIncomingEventID(ctx context.Context) context.Context {
	if ids := metadata.ValueFromIncomingContext(ctx, EventIDMetadataKey); len(ids) > 0 {
		return WithEventID(ctx, ids[0])
	}
	return ctx
}

// nonNil spares plugins a nil check: an empty map arrives as an empty map.
func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
