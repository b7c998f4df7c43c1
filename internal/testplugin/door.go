package testplugin

import (
	"context"
	"net/http"
	"net/url"

	"github.com/crmhub/crmhub/sdk"
)

// Door is the test CRM with a door check, as the plugin testdoor serves
// it: a handshake GET with ?challenge=x is answered 200 "x" and not
// stored; any other request needs the header X-Test-Signature: good, or is
// rejected 401 "bad signature"; an accepted one is answered 200 "ok".
type Door struct{ *CRM }

var _ sdk.WebhookChecker = Door{}

// Door's answers, for specs.
const (
	DoorSignatureHeader = "X-Test-Signature"
	DoorGoodSignature   = "good"
	DoorRejectReason    = "bad signature"
	DoorAck             = "ok"
	// DoorUnauthenticatedSignature makes the check fail Unauthenticated,
	// as a plugin may answer a signature it cannot verify.
	DoorUnauthenticatedSignature = "unauthenticated"
)

// NewDoor returns an unconfigured Door over dir.
func NewDoor(dir *Directory) Door { return Door{New(dir)} }

// Info is the test CRM's, named testdoor, with an Ack.
func (d Door) Info(ctx context.Context) (sdk.Info, error) {
	info, err := d.CRM.Info(ctx)
	info.Name, info.DisplayName = "testdoor", "Test CRM with a door check"
	info.Webhooks.Ack = sdk.Answer{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(DoorAck)}
	return info, err
}

// CheckWebhook answers the handshake and checks the signature.
func (d Door) CheckWebhook(_ context.Context, req sdk.Request) (sdk.Verdict, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return sdk.Reject("unreadable URL"), nil
	}
	if c := u.Query().Get("challenge"); req.Method == http.MethodGet && c != "" {
		return sdk.Respond(sdk.Answer{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(c)}), nil
	}
	if http.Header(req.Header).Get(DoorSignatureHeader) == DoorUnauthenticatedSignature {
		return sdk.Verdict{}, sdk.Unauthenticated("signature not verifiable")
	}
	if http.Header(req.Header).Get(DoorSignatureHeader) != DoorGoodSignature {
		return sdk.Reject(DoorRejectReason), nil
	}
	return sdk.Accept(), nil
}
