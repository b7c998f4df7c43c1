package webhook_test

import (
	"os/exec"
	"strings"

	. "github.com/onsi/gomega"
)

// opensslHMAC signs body with openssl, an implementation independent of
// the one under test.
func opensslHMAC(body []byte, secret string) string {
	cmd := exec.Command("openssl", "dgst", "-sha256", "-hmac", secret, "-r")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.Output()
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	sig, _, _ := strings.Cut(string(out), " ")
	return sig
}
