package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 7 MiB, seven passes, one lane. OWASP's password
// storage cheat sheet rates 7 MiB with five passes as strong as 19 MiB
// with two, which the hub used before: memory traded for passes. Two
// passes more make a hash cost at least the CPU one of 19 MiB did (30–40
// ms of a core on the two-core VM of `make bench`). The smaller memory keeps
// a burst of new users from raising the hub's memory by 19 MiB per core.
// Hashes made with other parameters still verify, and NeedsRehash has
// them replaced at the next successful sign-in.
const (
	argonMemoryKiB = 7 * 1024
	argonTime      = 7
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// hashSlots bounds how many hashes run at once: a burst of new users must
// not claim 7 MiB each all together.
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// HashPassword returns the argon2id hash of password in the PHC string
// format, e.g. $argon2id$v=19$m=7168,t=7,p=1$<salt>$<hash>, which most
// languages' password libraries can verify.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never fails: crypto/rand crashes the program instead
	hashSlots <- struct{}{}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	<-hashSlots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ErrHashFormat means a stored hash is not an argon2id PHC string.
var ErrHashFormat = errors.New("secret: password hash is not in argon2id PHC format")

// CheckPassword reports whether password matches hash, a PHC string made by
// HashPassword (with any argon2id parameters).
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrHashFormat
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrHashFormat
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, ErrHashFormat
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrHashFormat
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrHashFormat
	}
	hashSlots <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	<-hashSlots
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// GeneratePassword returns a new random password: 26 characters of
// crypto/rand.Text (A–Z, 2–7), 130 bits, easy to copy and safe in any CRM
// field, URL or mail.
func GeneratePassword() string { return rand.Text() }

// NeedsRehash reports whether hash was made with other argon2id parameters
// than HashPassword uses now (or is no argon2id hash at all), so a
// password that matched it should be hashed again.
func NeedsRehash(hash string) bool {
	want := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$", argon2.Version, argonMemoryKiB, argonTime, argonThreads)
	return !strings.HasPrefix(hash, want)
}
