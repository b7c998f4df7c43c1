package sdk

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// toStatus turns a plugin's error into the gRPC status the host reads back
// (sdk/pluginclient does the reverse). The code says what kind of error it
// is to any gRPC client; the crmv1.Error detail carries the exact kind and
// the retry delay, and its presence tells the host that the plugin answered,
// rather than that the connection broke.
func toStatus(ctx context.Context, err error) error {
	return encodeStatus(ctx, err, codeOf)
}

// panicStatus is the answer to a call the plugin panicked in: Internal to
// any gRPC client, with the error's retryable kind in the detail.
func panicStatus(ctx context.Context, err error) error {
	return encodeStatus(ctx, err, func(*crmv1.Error) codes.Code { return codes.Internal })
}

// encodeStatus is the status of err with the code code gives its detail.
func encodeStatus(ctx context.Context, err error, code func(*crmv1.Error) codes.Code) error {
	if ctx.Err() != nil {
		// The host gave up on the call (deadline or cancel): say that, not
		// whatever error the abandoned work ended with.
		return status.FromContextError(ctx.Err()).Err()
	}
	detail := errorToProto(err)
	st := status.New(code(detail), detail.GetMessage())
	if withDetail, derr := st.WithDetails(detail); derr == nil {
		st = withDetail
	}
	return st.Err()
}

// codeOf is the gRPC code for an error of the given kind. The hub reads
// NotFound and InvalidArgument as terminal, Unavailable and
// ResourceExhausted (with its retry-after) as retryable, Unauthenticated as
// "not configured", Unimplemented as "not supported" (docs/architecture.md,
// "Plugins").
func codeOf(e *crmv1.Error) codes.Code {
	switch e.GetKind() {
	case crmv1.Kind_KIND_NOT_FOUND:
		return codes.NotFound
	case crmv1.Kind_KIND_INVALID:
		return codes.InvalidArgument
	case crmv1.Kind_KIND_UNAUTHENTICATED:
		return codes.Unauthenticated
	case crmv1.Kind_KIND_UNSUPPORTED:
		return codes.Unimplemented
	}
	if e.GetRetryAfter().AsDuration() > 0 {
		return codes.ResourceExhausted
	}
	return codes.Unavailable
}
