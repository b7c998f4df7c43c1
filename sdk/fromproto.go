package sdk

import crmv1 "github.com/crmhub/crmhub/sdk/proto"

// The plugin side decodes the host's requests with these functions;
// sdk/pluginclient holds their inverses. Each is safe on nil.

func rawWebhookFromProto(w *crmv1.RawWebhook) RawWebhook {
	return RawWebhook{
		Method:      w.GetMethod(),
		Query:       valuesFromProto(w.GetQuery()),
		Header:      valuesFromProto(w.GetHeader()),
		ContentType: w.GetContentType(),
		Body:        w.GetBody(),
	}
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
