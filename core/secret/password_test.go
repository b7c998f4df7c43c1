package secret_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"golang.org/x/crypto/argon2"

	"github.com/crmhub/crmhub/core/secret"
)

var _ = Describe("passwords", func() {
	It("are hashed with argon2id in PHC format, salted, without the plaintext", func() {
		h1 := secret.HashPassword("Geheim123!")
		h2 := secret.HashPassword("Geheim123!")
		Expect(h1).To(HavePrefix("$argon2id$v=19$m=7168,t=7,p=1$"))
		Expect(h1).NotTo(Equal(h2), "each hash has its own salt")
		Expect(h1).NotTo(ContainSubstring("Geheim123!"))
	})

	It("match their hash, and other passwords do not", func() {
		h := secret.HashPassword("Geheim123!")
		Expect(secret.CheckPassword(h, "Geheim123!")).To(BeTrue())
		Expect(secret.CheckPassword(h, "geheim123!")).To(BeFalse())
		Expect(secret.CheckPassword(h, "")).To(BeFalse())
	})

	It("are checked with the parameters stored in the hash, so stronger settings later keep old hashes valid", func() {
		old := hashWith("old password", 8*1024, 1)
		Expect(old).To(HavePrefix("$argon2id$v=19$m=8192,t=1,p=1$"))
		Expect(secret.CheckPassword(old, "old password")).To(BeTrue())
		Expect(secret.CheckPassword(old, "new password")).To(BeFalse())
	})

	It("made with the former parameters (19 MiB, two passes) still match, and are to be hashed again", func() {
		former := hashWith("Geheim123!", 19*1024, 2)
		Expect(former).To(HavePrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
		Expect(secret.CheckPassword(former, "Geheim123!")).To(BeTrue())
		Expect(secret.NeedsRehash(former)).To(BeTrue())
		Expect(secret.NeedsRehash(secret.HashPassword("Geheim123!"))).To(BeFalse())
	})

	DescribeTable("refuse a hash that is not argon2id PHC",
		func(hash string) {
			_, err := secret.CheckPassword(hash, "x")
			Expect(err).To(MatchError(secret.ErrHashFormat))
		},
		Entry("empty", ""),
		Entry("bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"),
		Entry("argon2i", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
		Entry("another version", "$argon2id$v=16$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
		Entry("broken parameters", "$argon2id$v=19$m=x,t=2,p=1$c2FsdA$aGFzaA"),
		Entry("salt not base64", "$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA"),
	)

	It("are generated with at least 16 characters, differently each time", func() {
		seen := map[string]bool{}
		for range 50 {
			p := secret.GeneratePassword()
			Expect(len(p)).To(BeNumerically(">=", 16))
			Expect(p).To(MatchRegexp(`^[A-Z2-7]+$`))
			Expect(seen).NotTo(HaveKey(p))
			seen[p] = true
		}
	})
})

// BenchmarkHashPassword measures one argon2id hash with the hub's
// parameters: the cost a new user or a changed password adds to an event.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		secret.HashPassword("Geheim123!")
	}
}

// hashWith hashes password as HashPassword would with other parameters:
// memory in KiB, passes, one lane.
func hashWith(password string, memoryKiB, passes uint32) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(password), salt, passes, memoryKiB, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=1$%s$%s",
		argon2.Version, memoryKiB, passes, b64.EncodeToString(salt), b64.EncodeToString(key))
}
