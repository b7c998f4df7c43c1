package secret_test

import (
	"bytes"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/secret"
)

var _ = Describe("the key file", func() {
	var path string
	BeforeEach(func() { path = filepath.Join(GinkgoT().TempDir(), "data", "keys", "secret.key") })

	It("is created on first start with 32 random bytes, readable by the owner only, in a new folder", func() {
		_, err := secret.LoadOrCreateKey(path)
		Expect(err).NotTo(HaveOccurred())
		info, err := os.Stat(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Size()).To(BeEquivalentTo(secret.KeySize))
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
		key, _ := os.ReadFile(path)
		Expect(key).NotTo(Equal(make([]byte, secret.KeySize)))
	})

	It("is reused on the next start, so what was sealed before still opens", func() {
		first, err := secret.LoadOrCreateKey(path)
		Expect(err).NotTo(HaveOccurred())
		sealed, err := first.Seal([]byte("s3cret"))
		Expect(err).NotTo(HaveOccurred())

		again, err := secret.LoadOrCreateKey(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(again.Open(sealed)).To(Equal([]byte("s3cret")))
	})

	It("is the same for hubs that start together", func() {
		boxes := make([]*secret.Box, 8)
		var wg sync.WaitGroup
		for i := range boxes {
			wg.Go(func() {
				defer GinkgoRecover()
				b, err := secret.LoadOrCreateKey(path)
				Expect(err).NotTo(HaveOccurred())
				boxes[i] = b
			})
		}
		wg.Wait()
		sealed, _ := boxes[0].Seal([]byte("shared"))
		for _, b := range boxes {
			Expect(b.Open(sealed)).To(Equal([]byte("shared")))
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		Expect(entries).To(HaveLen(1), "no temporary files are left behind")
	})

	It("is refused when it does not hold exactly 32 bytes", func() {
		Expect(os.MkdirAll(filepath.Dir(path), 0o700)).To(Succeed())
		Expect(os.WriteFile(path, []byte("too short"), 0o600)).To(Succeed())
		_, err := secret.LoadOrCreateKey(path)
		Expect(err).To(MatchError(ContainSubstring("key must be 32 bytes")))
		Expect(err).To(MatchError(ContainSubstring(path)))
	})

	It("must be configured", func() {
		_, err := secret.LoadOrCreateKey("")
		Expect(err).To(MatchError(ContainSubstring("secret_key_file")))
		_, err = secret.LoadKey("")
		Expect(err).To(MatchError(ContainSubstring("secret_key_file")))
	})

	It("is only read by LoadKey, which never creates one", func() {
		_, err := secret.LoadKey(path)
		Expect(err).To(MatchError(fs.ErrNotExist))
		Expect(path).NotTo(BeAnExistingFile())

		created, err := secret.LoadOrCreateKey(path)
		Expect(err).NotTo(HaveOccurred())
		loaded, err := secret.LoadKey(path)
		Expect(err).NotTo(HaveOccurred())
		sealed, _ := created.Seal([]byte("s3cret"))
		Expect(loaded.Open(sealed)).To(Equal([]byte("s3cret")))
	})
})

var _ = Describe("a key's check value", func() {
	key := bytes.Repeat([]byte{7}, secret.KeySize)

	It("is HMAC-SHA256 of a fixed label under the key, so values stored by earlier hubs stay valid", func() {
		box, err := secret.NewBox(key)
		Expect(err).NotTo(HaveOccurred())
		// Computed apart from the code: python3 -c "import hmac,hashlib;
		// print(hmac.new(bytes([7])*32, b'crmhub secret key check', hashlib.sha256).hexdigest())"
		Expect(box.KeyCheck()).To(Equal("kcv1:132cbbbeecaf052abc04fb4ebd81359939faec9d15577c177b8132b5efb57821"))
		Expect(box.KeyCheck()).NotTo(ContainSubstring(hex.EncodeToString(key)))
	})

	It("is the same for the same key and matches only it", func() {
		path := filepath.Join(GinkgoT().TempDir(), "secret.key")
		created, err := secret.LoadOrCreateKey(path)
		Expect(err).NotTo(HaveOccurred())
		loaded, err := secret.LoadKey(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(loaded.KeyCheck()).To(Equal(created.KeyCheck()))
		Expect(loaded.Matches(created.KeyCheck())).To(BeTrue())

		other, err := secret.NewBox(key)
		Expect(err).NotTo(HaveOccurred())
		Expect(other.Matches(created.KeyCheck())).To(BeFalse())
		Expect(other.Matches("")).To(BeFalse())
	})
})

var _ = Describe("a Box", func() {
	var box *secret.Box
	BeforeEach(func() {
		var err error
		box, err = secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
		Expect(err).NotTo(HaveOccurred())
	})

	It("opens what it sealed, and the sealed form does not contain the plaintext", func() {
		sealed, err := box.Seal([]byte("correct horse battery staple"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(sealed)).NotTo(ContainSubstring("horse"))
		Expect(box.Open(sealed)).To(Equal([]byte("correct horse battery staple")))
	})

	It("seals the same plaintext differently each time", func() {
		a, _ := box.Seal([]byte("same"))
		b, _ := box.Seal([]byte("same"))
		Expect(a).NotTo(Equal(b))
	})

	It("refuses a sealed value that was altered", func() {
		sealed, _ := box.Seal([]byte("value"))
		sealed[len(sealed)-1] ^= 1
		_, err := box.Open(sealed)
		Expect(err).To(MatchError(secret.ErrOpen))
	})

	It("refuses a value sealed with another key", func() {
		other, _ := secret.NewBox(bytes.Repeat([]byte{8}, secret.KeySize))
		sealed, _ := other.Seal([]byte("value"))
		_, err := box.Open(sealed)
		Expect(err).To(MatchError(secret.ErrOpen))
	})

	It("refuses a value too short to have been sealed", func() {
		_, err := box.Open([]byte("x"))
		Expect(err).To(MatchError(secret.ErrOpen))
	})
})
