package sdk

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// WebhookChecker is implemented by a CRM whose requests must be checked
// before the hub stores them: a signature, a timestamp, an account id, or a
// handshake the CRM expects an answer to. Serve sees it and sets
// Info.Webhooks.Check, so the hub calls CheckWebhook on every request of
// that CRM, synchronously, before anything is stored. While the plugin is
// down or not configured the hub answers 503 with Retry-After and stores
// nothing, so the CRM sends the request again later.
type WebhookChecker interface {
	CheckWebhook(ctx context.Context, req Request) (Verdict, error)
}

// Request is an HTTP request to the hub, as received, for CheckWebhook.
// Never modify its maps or its Body.
type Request struct {
	Method string
	// URL is the full URL the sender used: scheme, host, path and raw
	// query, the access key included.
	URL string
	// Header holds the request headers, canonicalised as net/http does.
	Header map[string][]string
	Body   []byte
	// RemoteAddr is the sender's address as the hub saw it (host:port).
	RemoteAddr string
	// ReceivedAt is when the hub received the request.
	ReceivedAt time.Time
}

// Decision is what CheckWebhook decided about a request.
type Decision int

const (
	// DecisionAccept stores the request and answers with the profile's Ack.
	DecisionAccept Decision = iota
	// DecisionAnswer stores nothing and sends the verdict's Answer, e.g. to
	// a CRM's validation handshake.
	DecisionAnswer
	// DecisionReject stores nothing and refuses the request with a 4xx.
	DecisionReject
)

// Verdict is CheckWebhook's answer. Build one with Accept, Respond, Reject
// or RejectWith.
type Verdict struct {
	Decision Decision
	// Answer is sent for DecisionAnswer and DecisionReject; a reject with a
	// zero Status gets 401 and the hub's JSON error.
	Answer Answer
	// Reason says in one line why a request was rejected; the hub counts
	// rejections by it and logs it. Keep it short and free of secrets.
	Reason string
}

// Accept stores the request.
func Accept() Verdict { return Verdict{Decision: DecisionAccept} }

// Respond stores nothing and answers the CRM with a, e.g. the echo of a
// validation challenge.
func Respond(a Answer) Verdict { return Verdict{Decision: DecisionAnswer, Answer: a} }

// Reject stores nothing and answers 401 with the reason.
func Reject(format string, args ...any) Verdict {
	return Verdict{Decision: DecisionReject, Reason: fmt.Sprintf(format, args...)}
}

// RejectWith stores nothing and sends a, whose Status must be a 4xx (e.g.
// a SOAP fault the CRM understands), with the reason for the hub's records.
func RejectWith(a Answer, format string, args ...any) Verdict {
	return Verdict{Decision: DecisionReject, Answer: a, Reason: fmt.Sprintf(format, args...)}
}

// RejectStatus is the status a rejecting verdict is answered with.
func (v Verdict) RejectStatus() int {
	if v.Answer.Status >= 400 && v.Answer.Status < 500 {
		return v.Answer.Status
	}
	return http.StatusUnauthorized
}
