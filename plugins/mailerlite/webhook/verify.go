package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
)

// SignatureHeader is the header MailerLite signs its webhooks in.
const SignatureHeader = "Signature"

// Errors Verify returns; their text is the reason the door records.
var (
	ErrNoSignature  = errors.New("missing signature")
	ErrBadSignature = errors.New("bad signature")
)

// Verify checks that header carries MailerLite's signature of body under
// secret, comparing in constant time.
func Verify(header map[string][]string, body []byte, secret string) error {
	got := strings.TrimSpace(http.Header(header).Get(SignatureHeader))
	if got == "" {
		return ErrNoSignature
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return ErrBadSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}
