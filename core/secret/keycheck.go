package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// A key check value tells whether two hubs hold the same key without
// revealing it, so the store can record which key its sealed values need.
//
// It is HMAC-SHA256 of a fixed label under the key: a pseudo-random value
// that says nothing about the key, even to someone who also has the sealed
// values. Two tempting alternatives are worse: the classic check value,
// the key's encryption of a zero block, is exactly GCM's authentication
// subkey and would let a reader of the store forge sealed values; a plain
// hash of the key is safe only because the key is random, and stops being
// so the day someone feeds it a passphrase.
const keyCheckLabel = "crmhub secret key check"

// keyCheckVersion prefixes the value, so a later scheme can tell its own
// values from these.
const keyCheckVersion = "kcv1:"

func keyCheck(key []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(keyCheckLabel))
	return keyCheckVersion + hex.EncodeToString(mac.Sum(nil))
}

// KeyCheck is the key's check value: safe to store and to show, and the
// same for every Box of the same key.
func (b *Box) KeyCheck() string { return b.check }

// Matches reports whether check is the check value of this Box's key. It
// compares in constant time.
func (b *Box) Matches(check string) bool {
	return subtle.ConstantTimeCompare([]byte(b.check), []byte(check)) == 1
}
