package fakemailerlite

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// SignatureHeader is the header MailerLite signs its webhooks in.
const SignatureHeader = "Signature"

// Sign returns what MailerLite puts in the Signature header of a webhook
// with this body: hex HMAC-SHA256 of the raw body under the webhook's secret.
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
