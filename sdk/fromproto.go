package sdk

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// The plugin side decodes the host's requests with these functions;
// sdk/pluginclient holds their inverses. Each is safe on nil.

func rawWebhookFromProto(w *crmv1.RawWebhook) RawWebhook {
	return RawWebhook{
		EventID:     w.GetEventId(),
		ReceivedAt:  timeFromProto(w.GetReceivedAt()),
		Method:      w.GetMethod(),
		Query:       valuesFromProto(w.GetQuery()),
		Header:      valuesFromProto(w.GetHeader()),
		ContentType: w.GetContentType(),
		Body:        w.GetBody(),
	}
}

func requestFromProto(r *crmv1.CheckWebhookRequest) Request {
	return Request{
		Method:     r.GetMethod(),
		URL:        r.GetUrl(),
		Header:     valuesFromProto(r.GetHeader()),
		Body:       r.GetBody(),
		RemoteAddr: r.GetRemoteAddr(),
		ReceivedAt: timeFromProto(r.GetReceivedAt()),
	}
}

// timeFromProto is the zero time for an unset timestamp.
func timeFromProto(t *timestamppb.Timestamp) time.Time {
	if t == nil || !t.IsValid() {
		return time.Time{}
	}
	return t.AsTime()
}

// valuesFromProto always returns a map, so a plugin can index it without a
// nil check.
func valuesFromProto(m map[string]*crmv1.Values) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = v.GetValues()
	}
	return out
}
