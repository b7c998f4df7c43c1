package pluginclient

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/crmhub/crmhub/sdk"
	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// The host encodes its requests with these functions; package sdk holds
// their inverses.

func rawWebhookToProto(w sdk.RawWebhook) *crmv1.RawWebhook {
	return &crmv1.RawWebhook{
		EventId:     w.EventID,
		ReceivedAt:  timeToProto(w.ReceivedAt),
		Method:      w.Method,
		Query:       valuesToProto(w.Query),
		Header:      valuesToProto(w.Header),
		ContentType: w.ContentType,
		Body:        w.Body,
	}
}

func requestToProto(r sdk.Request) *crmv1.CheckWebhookRequest {
	return &crmv1.CheckWebhookRequest{
		Method:     r.Method,
		Url:        r.URL,
		Header:     valuesToProto(r.Header),
		Body:       r.Body,
		RemoteAddr: r.RemoteAddr,
		ReceivedAt: timeToProto(r.ReceivedAt),
	}
}

// timeToProto leaves a zero time unset.
func timeToProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func valuesToProto(m map[string][]string) map[string]*crmv1.Values {
	if m == nil {
		return nil
	}
	out := make(map[string]*crmv1.Values, len(m))
	for k, v := range m {
		out[k] = &crmv1.Values{Values: v}
	}
	return out
}
