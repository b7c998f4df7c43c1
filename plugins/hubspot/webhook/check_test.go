package webhook_test

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/signature"
	"github.com/crmhub/crmhub/plugins/hubspot/webhook"
	"github.com/crmhub/crmhub/sdk"
)

const (
	secret  = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	hookURL = "https://hub.example/hooks/hubspot?access_key=k3y%3Awith%40escapes&action=update"
	events  = `[{"eventId":1,"subscriptionType":"contact.creation","objectId":123,"occurredAt":1564113600000}]`
)

var receivedAt = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// signedV3 is a request signed v3 as HubSpot signs it, over uri, at ts.
func signedV3(uri string, ts time.Time, body string) sdk.Request {
	stamp := strconv.FormatInt(ts.UnixMilli(), 10)
	return sdk.Request{Method: "POST", URL: hookURL, Body: []byte(body), ReceivedAt: receivedAt,
		Header: map[string][]string{
			signature.HeaderV3:        {signature.V3(secret, "POST", uri, []byte(body), stamp)},
			signature.HeaderTimestamp: {stamp},
		}}
}

func older(version, sig, body string) sdk.Request {
	h := map[string][]string{signature.HeaderSignature: {sig}}
	if version != "" {
		h[signature.HeaderVersion] = []string{version}
	}
	return sdk.Request{Method: "POST", URL: hookURL, Body: []byte(body), ReceivedAt: receivedAt, Header: h}
}

var _ = Describe("the door", func() {
	door := webhook.Door{ClientSecret: secret}
	accepted := func(v sdk.Verdict) { ExpectWithOffset(1, v.Decision).To(Equal(sdk.DecisionAccept), v.Reason) }
	rejected := func(v sdk.Verdict, reason string) {
		ExpectWithOffset(1, v.Decision).To(Equal(sdk.DecisionReject))
		ExpectWithOffset(1, v.Reason).To(Equal(reason))
		ExpectWithOffset(1, v.RejectStatus()).To(Equal(401))
	}

	It("accepts a v3 signature over the URL as received", func() {
		accepted(door.Check(signedV3(hookURL, receivedAt.Add(-time.Minute), events)))
	})
	It("accepts a v3 signature over the URL with HubSpot's escapes decoded", func() {
		accepted(door.Check(signedV3(signature.DecodeURI(hookURL), receivedAt, events)))
	})
	It("rejects a v3 signature over another body, URL or secret", func() {
		req := signedV3(hookURL, receivedAt, events)
		req.Body = []byte(`[{"eventId":1,"subscriptionType":"contact.creation","objectId":124}]`)
		rejected(door.Check(req), webhook.ReasonBadSignature)
		req = signedV3("https://evil.example/hooks/hubspot", receivedAt, events)
		rejected(door.Check(req), webhook.ReasonBadSignature)
		rejected(webhook.Door{ClientSecret: "other"}.Check(signedV3(hookURL, receivedAt, events)), webhook.ReasonBadSignature)
	})
	It("rejects a timestamp more than 5 minutes from receipt, either way, even well signed", func() {
		rejected(door.Check(signedV3(hookURL, receivedAt.Add(-5*time.Minute-time.Second), events)), webhook.ReasonStaleTimestamp)
		rejected(door.Check(signedV3(hookURL, receivedAt.Add(5*time.Minute+time.Second), events)), webhook.ReasonStaleTimestamp)
		accepted(door.Check(signedV3(hookURL, receivedAt.Add(-5*time.Minute), events)))
	})
	It("rejects a v3 signature without a readable timestamp", func() {
		req := signedV3(hookURL, receivedAt, events)
		req.Header[signature.HeaderTimestamp] = []string{"yesterday"}
		rejected(door.Check(req), webhook.ReasonStaleTimestamp)
	})
	It("rejects a Webhooks-API request whose v3 signature was removed, leaving a valid v1 (a replay)", func() {
		req := signedV3(hookURL, receivedAt.Add(-72*time.Hour), events)
		req.Header[signature.HeaderSignature] = []string{signature.V1(secret, []byte(events))}
		req.Header[signature.HeaderVersion] = []string{"v1"}
		rejected(door.Check(req), webhook.ReasonStaleTimestamp)
		delete(req.Header, signature.HeaderV3)
		delete(req.Header, signature.HeaderTimestamp)
		rejected(door.Check(req), webhook.ReasonV3Required)
		req.Header[signature.HeaderVersion] = []string{"v2"}
		req.Header[signature.HeaderSignature] = []string{signature.V2(secret, "POST", hookURL, []byte(events))}
		rejected(door.Check(req), webhook.ReasonV3Required)
	})
	It("checks v1 and v2, only when allowed, as the version header says, v1 when it says nothing", func() {
		door := webhook.Door{ClientSecret: secret, AllowV1Signatures: true}
		accepted(door.Check(older("v1", signature.V1(secret, []byte(events)), events)))
		accepted(door.Check(older("", signature.V1(secret, []byte(events)), events)))
		accepted(door.Check(older("v2", signature.V2(secret, "POST", hookURL, []byte(events)), events)))
		rejected(door.Check(older("v2", signature.V1(secret, []byte(events)), events)), webhook.ReasonBadSignature)
		rejected(door.Check(older("v1", signature.V1("other", []byte(events)), events)), webhook.ReasonBadSignature)
		rejected(door.Check(older("v9", signature.V1(secret, []byte(events)), events)), webhook.ReasonBadSignature)
		// A v3 signature, when sent, is still what decides.
		req := signedV3(hookURL, receivedAt.Add(-time.Hour), events)
		req.Header[signature.HeaderSignature] = []string{signature.V1(secret, []byte(events))}
		rejected(door.Check(req), webhook.ReasonStaleTimestamp)
	})
	It("rejects an unsigned request, a workflow's too unless allowed", func() {
		workflow := `{"vid":9153674,"properties":{"email":{"value":"a@example.com"}}}`
		unsigned := func(body string) sdk.Request {
			return sdk.Request{Method: "POST", URL: hookURL, Body: []byte(body), ReceivedAt: receivedAt}
		}
		rejected(door.Check(unsigned(events)), webhook.ReasonBadSignature)
		rejected(door.Check(unsigned(workflow)), webhook.ReasonBadSignature)
		lenient := webhook.Door{ClientSecret: secret, AllowUnsignedWorkflows: true}
		accepted(lenient.Check(unsigned(workflow)))
		rejected(lenient.Check(unsigned(events)), webhook.ReasonBadSignature)
		rejected(lenient.Check(unsigned(`{"properties":{}}`)), webhook.ReasonBadSignature)
	})
	It("accepts everything without a client secret", func() {
		accepted(webhook.Door{}.Check(sdk.Request{Method: "POST", URL: hookURL, Body: []byte("junk")}))
	})
})
