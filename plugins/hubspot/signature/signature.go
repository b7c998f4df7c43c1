// Package signature computes and checks HubSpot's request signatures.
//
// HubSpot signs the requests it sends an app (Webhooks-API events, workflow
// and CRM-card requests) three ways, all keyed by the app's client secret:
//
//   - v3: X-HubSpot-Signature-v3 = base64(HMAC-SHA256(secret, method + uri +
//     body + timestamp)), with X-HubSpot-Request-Timestamp in milliseconds.
//   - v2: X-HubSpot-Signature = hex(SHA-256(secret + method + uri + body)),
//     with X-HubSpot-Signature-Version: v2.
//   - v1: X-HubSpot-Signature = hex(SHA-256(secret + body)), with
//     X-HubSpot-Signature-Version: v1 (what Webhooks-API events carry).
//
// The uri is the full URL the request was sent to, query included.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Header names, canonicalised as net/http does.
const (
	HeaderV3        = "X-Hubspot-Signature-V3"
	HeaderTimestamp = "X-Hubspot-Request-Timestamp"
	HeaderSignature = "X-Hubspot-Signature"
	HeaderVersion   = "X-Hubspot-Signature-Version"
)

// V3 is the v3 signature of a request.
func V3(secret, method, uri string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method))
	mac.Write([]byte(uri))
	mac.Write(body)
	mac.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// V2 is the v2 signature of a request.
func V2(secret, method, uri string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(secret))
	h.Write([]byte(method))
	h.Write([]byte(uri))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// V1 is the v1 signature of a request.
func V1(secret string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(secret))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Equal compares a computed signature with a received one in constant time.
// Hex signatures compare case-insensitively (HubSpot sends lower case).
func Equal(want, got string, hexadecimal bool) bool {
	if hexadecimal {
		got = strings.ToLower(strings.TrimSpace(got))
	} else {
		got = strings.TrimSpace(got)
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// decodedInURI are the escapes HubSpot's v3 validation guide says to decode
// in the request URI before signing: HubSpot signs the URI with these
// characters as themselves, whatever escapes the hub received.
var decodedInURI = strings.NewReplacer(
	"%3A", ":", "%3a", ":",
	"%2F", "/", "%2f", "/",
	"%3F", "?", "%3f", "?",
	"%40", "@",
	"%21", "!",
	"%24", "$",
	"%27", "'",
	"%28", "(",
	"%29", ")",
	"%2A", "*", "%2a", "*",
	"%2C", ",", "%2c", ",",
	"%3B", ";", "%3b", ";",
)

// DecodeURI decodes, in uri, the escapes HubSpot decodes before it signs
// (":", "/", "?", "@", "!", "$", "'", "(", ")", "*", ",", ";"), and leaves
// every other escape as it is.
func DecodeURI(uri string) string { return decodedInURI.Replace(uri) }

// URIs are the forms of uri a v3 or v2 signature may have been computed
// over: as received, and with DecodeURI's escapes decoded when that differs.
func URIs(uri string) []string {
	if d := DecodeURI(uri); d != uri {
		return []string{uri, d}
	}
	return []string{uri}
}
