package pluginclient

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/crmhub/crmhub/sdk"
	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// ErrUnavailable means the plugin did not answer: its process is gone or
// the connection to it broke. It is not an answer of the CRM, so a caller
// should wait for the plugin rather than count a failed attempt.
var ErrUnavailable = errors.New("plugin unavailable")

// fromStatus reads back the error of a failed call (package sdk's toStatus
// wrote it). A status with a crmv1.Error detail is the plugin's own answer
// and becomes an *sdk.Error of the same kind; Unavailable or Canceled
// without one come from the connection and wrap ErrUnavailable.
func fromStatus(ctx context.Context, call string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &sdk.Error{Kind: sdk.KindRetryable, Message: call, Err: ctxErr}
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w: %v", call, ErrUnavailable, err)
	}
	for _, d := range st.Details() {
		if detail, ok := d.(*crmv1.Error); ok {
			e := errorFromProto(detail)
			if e.Message == "" {
				e.Message = st.Message()
			}
			return e
		}
	}
	switch st.Code() {
	case codes.Unavailable, codes.Canceled:
		return fmt.Errorf("%s: %w: %s", call, ErrUnavailable, st.Message())
	case codes.DeadlineExceeded:
		return &sdk.Error{Kind: sdk.KindRetryable, Message: call, Err: context.DeadlineExceeded}
	}
	// A status without our detail: a plugin built without this SDK, or
	// gRPC itself. Its code still says enough.
	return &sdk.Error{Kind: kindOfCode(st.Code()), Message: call + ": " + st.Message()}
}

func kindOfCode(c codes.Code) sdk.Kind {
	switch c {
	case codes.NotFound:
		return sdk.KindNotFound
	case codes.InvalidArgument:
		return sdk.KindInvalid
	case codes.Unauthenticated:
		return sdk.KindUnauthenticated
	case codes.Unimplemented:
		return sdk.KindUnsupported
	default:
		return sdk.KindRetryable
	}
}
