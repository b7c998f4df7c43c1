package apps_test

import (
	"context"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/argon2"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// results counts sign-ins by result.
type results map[string]int

func (r results) SignIn(result string) { r[result]++ }

// lockedResults counts sign-ins made in parallel.
type lockedResults struct {
	mu     sync.Mutex
	counts results
}

func (r *lockedResults) SignIn(result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts.SignIn(result)
}

func (r *lockedResults) get(result string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[result]
}

var _ = Describe("SignIn", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s        *store.Store
			signIn   *apps.SignIn
			counted  results
			password string
			user     *store.User
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			counted = results{}
			signIn = apps.NewSignIn(s, counted)
			password = secret.GeneratePassword() // as the welcome mail sends it
			user = &store.User{Username: "Anna_S", Email: "Anna@Example.com", Role: "subscriber",
				PasswordHash: secret.HashPassword(password)}
			Expect(s.CreateUser(ctx, user)).To(Succeed())
		})
		verify := func(ctx context.Context, login, pw string) (*store.User, error) {
			return signIn.Verify(ctx, login, pw, "192.0.2.1")
		}

		It("signs in by username or e-mail, ignoring case, with a generated password", func(ctx SpecContext) {
			for _, login := range []string{"anna_s", "ANNA_S", "anna@example.com", " Anna@EXAMPLE.com "} {
				u, err := verify(ctx, login, password)
				Expect(err).NotTo(HaveOccurred(), login)
				Expect(u.ID).To(Equal(user.ID))
			}
			Expect(counted).To(Equal(results{"ok": 4}))
		})

		It("answers a wrong password and an unknown login alike", func(ctx SpecContext) {
			_, wrong := verify(ctx, "anna_s", password+"x")
			_, unknown := verify(ctx, "nobody", password)
			Expect(wrong).To(MatchError(apps.ErrInvalidCredentials))
			Expect(unknown).To(MatchError(apps.ErrInvalidCredentials))
			Expect(counted).To(Equal(results{"invalid": 2}))
		})

		It("refuses a login after 5 failures within 15 minutes, even with the right password, and says when to retry", func(ctx SpecContext) {
			for range 5 {
				_, err := verify(ctx, "anna_s", "guess")
				Expect(err).To(MatchError(apps.ErrInvalidCredentials))
			}
			_, err := verify(ctx, "Anna_S", password)
			var limited *apps.TooManyAttemptsError
			Expect(errors.As(err, &limited)).To(BeTrue(), "got %v", err)
			Expect(limited.RetryAfter).To(BeNumerically("~", 15*time.Minute, time.Minute))
			Expect(counted["limited"]).To(Equal(1))

			// Another login is not blocked.
			other := &store.User{Username: "bert", Email: "bert@example.com", Role: "subscriber", PasswordHash: secret.HashPassword("pw-bert")}
			Expect(s.CreateUser(ctx, other)).To(Succeed())
			_, err = verify(ctx, "bert", "pw-bert")
			Expect(err).NotTo(HaveOccurred())
		})

		It("checks at most 5 of many parallel guesses for one login and refuses the rest", func(ctx SpecContext) {
			const guesses = 12
			counted := &lockedResults{counts: results{}}
			signIn := apps.NewSignIn(s, counted)
			var wg sync.WaitGroup
			for i := range guesses {
				wg.Go(func() {
					defer GinkgoRecover()
					_, err := signIn.Verify(ctx, "anna_s", "guess-"+itoa(int64(i)), "")
					var limited *apps.TooManyAttemptsError
					Expect(errors.Is(err, apps.ErrInvalidCredentials) || errors.As(err, &limited)).To(BeTrue(), "got %v", err)
				})
			}
			wg.Wait()
			checked := counted.get("invalid")
			Expect(checked).To(BeNumerically("<=", 5), "passwords checked")
			Expect(checked + counted.get("limited")).To(Equal(guesses))

			_, err := verify(ctx, "anna_s", password)
			if checked == 5 {
				Expect(err).To(BeAssignableToTypeOf(&apps.TooManyAttemptsError{}), "5 failures block the login")
			}
		})

		It("forgets the failures once they are older than 15 minutes", func(ctx SpecContext) {
			for range 5 {
				_, err := s.RecordSignInFailure(ctx, "anna_s", time.Now().Add(-16*time.Minute))
				Expect(err).NotTo(HaveOccurred())
			}
			_, err := verify(ctx, "anna_s", password)
			Expect(err).NotTo(HaveOccurred())
		})

		It("limits the attempts from one address of the person signing in", func(ctx SpecContext) {
			var err error
			for i := 0; i < 100; i++ {
				_, err = signIn.Verify(ctx, "user"+itoa(int64(i)), "guess", "198.51.100.7")
				if !errors.Is(err, apps.ErrInvalidCredentials) {
					break
				}
			}
			var limited *apps.TooManyAttemptsError
			Expect(errors.As(err, &limited)).To(BeTrue(), "got %v", err)
			Expect(limited.RetryAfter).To(BeNumerically(">", 0))

			_, err = signIn.Verify(ctx, "anna_s", password, "198.51.100.8")
			Expect(err).NotTo(HaveOccurred(), "another address is not limited")
		})

		It("limits no address when the app does not name one, only the login", func(ctx SpecContext) {
			for i := range 25 {
				_, err := signIn.Verify(ctx, "user"+itoa(int64(i)), "guess", "")
				Expect(err).To(MatchError(apps.ErrInvalidCredentials), "attempt %d", i+1)
			}
			_, err := signIn.Verify(ctx, "anna_s", password, "")
			Expect(err).NotTo(HaveOccurred())
		})

		It("upgrades a hash made with older parameters on a successful sign-in", func(ctx SpecContext) {
			old := oldHash(password)
			user.PasswordHash = old
			Expect(s.UpdateUser(ctx, user)).To(Succeed())

			_, err := verify(ctx, "anna_s", password)
			Expect(err).NotTo(HaveOccurred())
			u, err := s.UserByID(ctx, user.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(u.PasswordHash).NotTo(Equal(old))
			Expect(secret.NeedsRehash(u.PasswordHash)).To(BeFalse())
			ok, err := secret.CheckPassword(u.PasswordHash, password)
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue())
		})
	})
})

// oldHash hashes password with weaker argon2id parameters than the hub's.
func oldHash(password string) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(password), salt, 1, 8*1024, 1, 32)
	b64 := base64.RawStdEncoding
	return "$argon2id$v=19$m=8192,t=1,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
}
