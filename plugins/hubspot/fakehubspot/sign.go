package fakehubspot

import (
	"net/http"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/plugins/hubspot/signature"
)

// Sign adds to header the signatures HubSpot sends with a Webhooks-API
// request: v1 (X-HubSpot-Signature, version v1) and v3 with its timestamp
// at. url is the full URL the request is sent to.
func Sign(header http.Header, secret, method, url string, body []byte, at time.Time) {
	SignV1(header, secret, body)
	SignV3(header, secret, method, url, body, at)
}

// SignV3 adds the v3 signature and its timestamp.
func SignV3(header http.Header, secret, method, url string, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	header.Set("X-HubSpot-Request-Timestamp", ts)
	header.Set("X-HubSpot-Signature-v3", signature.V3(secret, method, url, body, ts))
}

// SignV2 adds the v2 signature, as workflow and CRM-card requests carry it.
func SignV2(header http.Header, secret, method, url string, body []byte) {
	header.Set("X-HubSpot-Signature-Version", "v2")
	header.Set("X-HubSpot-Signature", signature.V2(secret, method, url, body))
}

// SignV1 adds the v1 signature.
func SignV1(header http.Header, secret string, body []byte) {
	header.Set("X-HubSpot-Signature-Version", "v1")
	header.Set("X-HubSpot-Signature", signature.V1(secret, body))
}
