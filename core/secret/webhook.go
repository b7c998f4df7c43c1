package secret

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// WebhookSecretPrefix starts an app's signing secret (Standard Webhooks):
// whsec_ and the base64 of the key bytes.
const WebhookSecretPrefix = "whsec_"

// minWebhookKeyLen is the fewest key bytes a signing secret may hold.
const minWebhookKeyLen = 16

// ErrBadWebhookSecret: a signing secret that is not whsec_ followed by
// base64 of at least 16 bytes.
var ErrBadWebhookSecret = fmt.Errorf("signing secret must be %s followed by base64 of at least %d bytes",
	WebhookSecretPrefix, minWebhookKeyLen)

// NewWebhookSecret makes a signing secret of 32 random bytes.
func NewWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make signing secret: %w", err)
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// WebhookKey returns the key bytes of a signing secret, or
// ErrBadWebhookSecret. The config check and the signer both use it, so a
// secret the config takes is one the signer takes.
func WebhookKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, WebhookSecretPrefix)
	if !ok {
		return nil, ErrBadWebhookSecret
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < minWebhookKeyLen {
		return nil, ErrBadWebhookSecret
	}
	return key, nil
}
