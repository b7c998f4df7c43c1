package pluginclient

import (
	"github.com/crmhub/crmhub/sdk"
	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// The host encodes its requests with these functions; package sdk holds
// their inverses.

func rawWebhookToProto(w sdk.RawWebhook) *crmv1.RawWebhook {
	return &crmv1.RawWebhook{
		Method:      w.Method,
		Query:       valuesToProto(w.Query),
		Header:      valuesToProto(w.Header),
		ContentType: w.ContentType,
		Body:        w.Body,
	}
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
