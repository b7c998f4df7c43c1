package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/plugins/hubspot/signature"
	"github.com/crmhub/crmhub/sdk"
)

// MaxSkew is how far a v3 timestamp may be from the request's receipt, as
// HubSpot's guide says (5 minutes).
const MaxSkew = 5 * time.Minute

// Reasons a request is rejected, short and stable: the hub counts them.
const (
	ReasonBadSignature   = "bad signature"
	ReasonStaleTimestamp = "stale timestamp"
	ReasonV3Required     = "v3 signature required"
)

// Door is how requests are checked.
type Door struct {
	// ClientSecret is the HubSpot app's client secret; empty accepts every
	// request (the hub's access key alone guards the URL).
	ClientSecret string
	// AllowUnsignedWorkflows accepts a request without any HubSpot
	// signature header when its body is one workflow-shaped contact,
	// even though ClientSecret is set: workflow webhooks are not signed
	// with the app's secret.
	AllowUnsignedWorkflows bool
	// AllowV1Signatures accepts, without a v3 signature, the v1 or v2
	// signature X-HubSpot-Signature-Version names. Weaker: neither covers a
	// timestamp (and v1 not the URL), so a captured request can be
	// replayed at any time, to another action.
	AllowV1Signatures bool
}

// Check decides whether a request may be stored.
//
// With a client secret, a request must carry a v3 signature that matches,
// its timestamp within MaxSkew of the receipt: only v3 binds the request
// to a time and a URL. Without v3, a workflow-shaped body is accepted when
// AllowUnsignedWorkflows is on, and the v1 or v2 signature the
// X-HubSpot-Signature-Version header names only when AllowV1Signatures is.
func (d Door) Check(req sdk.Request) sdk.Verdict {
	if d.ClientSecret == "" {
		return sdk.Accept()
	}
	h := http.Header(req.Header)
	if v3 := h.Get(signature.HeaderV3); v3 != "" {
		return d.checkV3(req, v3, h.Get(signature.HeaderTimestamp))
	}
	if d.AllowUnsignedWorkflows && isWorkflow(req.Body) {
		return sdk.Accept()
	}
	sig := h.Get(signature.HeaderSignature)
	switch {
	case sig == "":
		return sdk.Reject(ReasonBadSignature)
	case !d.AllowV1Signatures:
		return sdk.Reject(ReasonV3Required)
	}
	return d.checkOlder(req, sig, h.Get(signature.HeaderVersion))
}

func (d Door) checkV3(req sdk.Request, sig, timestamp string) sdk.Verdict {
	ms, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return sdk.Reject(ReasonStaleTimestamp)
	}
	skew := req.ReceivedAt.Sub(time.UnixMilli(ms))
	if skew > MaxSkew || skew < -MaxSkew {
		return sdk.Reject(ReasonStaleTimestamp)
	}
	for _, uri := range signature.URIs(req.URL) {
		if signature.Equal(signature.V3(d.ClientSecret, req.Method, uri, req.Body, timestamp), sig, false) {
			return sdk.Accept()
		}
	}
	return sdk.Reject(ReasonBadSignature)
}

// checkOlder checks a v1 or v2 signature. HubSpot sends v1 on Webhooks-API
// events; a missing version header is taken as v1.
func (d Door) checkOlder(req sdk.Request, sig, version string) sdk.Verdict {
	switch strings.ToLower(strings.TrimSpace(version)) {
	case "v1", "":
		if signature.Equal(signature.V1(d.ClientSecret, req.Body), sig, true) {
			return sdk.Accept()
		}
	case "v2":
		for _, uri := range signature.URIs(req.URL) {
			if signature.Equal(signature.V2(d.ClientSecret, req.Method, uri, req.Body), sig, true) {
				return sdk.Accept()
			}
		}
	}
	return sdk.Reject(ReasonBadSignature)
}
