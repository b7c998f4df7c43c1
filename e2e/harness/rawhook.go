package harness

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// HookTo is a webhook to the CRM's endpoint with the hub's key and the
// URL's action ("" leaves it out).
func (h *Hub) HookTo(crm, action string) Hook {
	return Hook{CRM: crm, Action: action, Key: h.Config.AccessKey}
}

// RawHook is a webhook with a body and headers of its own, as a CRM other
// than KlickTipp sends it: JSON, a signed body, a GET without a body.
type RawHook struct {
	Hook
	// Method is GET or POST; "" means POST.
	Method      string
	ContentType string
	Header      http.Header
	Body        []byte
}

// Raw returns the hook with this body: JSON, or a form in the CRM's own
// shape.
func (k Hook) Raw(contentType string, body []byte) RawHook {
	return RawHook{Hook: k, ContentType: contentType, Body: body}
}

// JSON returns the hook with a JSON body.
func (k Hook) JSON(body []byte) RawHook { return k.Raw("application/json", body) }

// FormBody returns the hook with a form-encoded body, built by the CRM's
// fake in its own key order.
func (k Hook) FormBody(body []byte) RawHook {
	return k.Raw("application/x-www-form-urlencoded", body)
}

// Get returns the hook as a GET without a body, as a CRM validates a URL.
func (k Hook) Get() RawHook { return RawHook{Hook: k, Method: http.MethodGet} }

// WithHeader returns the hook with one more header.
func (r RawHook) WithHeader(name, value string) RawHook {
	header := r.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Set(name, value)
	r.Header = header
	return r
}

// WithParam returns the hook with one more query parameter (e.g. wait).
func (r RawHook) WithParam(param, value string) RawHook {
	r.Hook = r.Hook.With(param, value)
	return r
}

// SendRaw sends a raw webhook to the hub.
func (h *Hub) SendRaw(ctx context.Context, r RawHook) (Reply, error) {
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, h.URL+r.Path(), strings.NewReader(string(r.Body)))
	if err != nil {
		return Reply{}, fmt.Errorf("build webhook request: %w", err)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	for name, values := range r.Header {
		req.Header[name] = values
	}
	return h.do(req)
}
