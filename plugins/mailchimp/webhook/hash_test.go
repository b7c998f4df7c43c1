package webhook_test

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

func md5Lower(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(email)))
	return hex.EncodeToString(sum[:])
}
