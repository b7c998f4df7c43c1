package hub

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("The secret key at start", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			st   *store.Store
			path string
		)
		BeforeEach(func() {
			st = db.Store()
			path = filepath.Join(GinkgoT().TempDir(), "data", "secret.key")
		})
		recorded := func(ctx SpecContext) string {
			v, err := st.Setting(ctx, store.SettingSecretKeyCheck)
			Expect(err).NotTo(HaveOccurred())
			return v
		}

		It("is created on the store's first start, and its check value recorded", func(ctx SpecContext) {
			box, err := openSecretKey(ctx, st, path)
			Expect(err).NotTo(HaveOccurred())
			Expect(path).To(BeAnExistingFile())
			Expect(recorded(ctx)).To(Equal(box.KeyCheck()))

			again, err := openSecretKey(ctx, st, path)
			Expect(err).NotTo(HaveOccurred(), "the same key file starts again")
			sealed, _ := box.Seal([]byte("s3cret"))
			Expect(again.Open(sealed)).To(Equal([]byte("s3cret")))
		})

		It("is refused when missing once the store was started with one, and no new key is made", func(ctx SpecContext) {
			_, err := openSecretKey(ctx, st, path)
			Expect(err).NotTo(HaveOccurred())
			before := recorded(ctx)
			Expect(os.Remove(path)).To(Succeed())

			_, err = openSecretKey(ctx, st, path)
			Expect(err).To(MatchError("secret key file " + path + " is missing, but this store was started with one: " +
				"copy the key file from the other hubs or a backup (a new key could not open the passwords waiting to be sent)"))
			Expect(path).NotTo(BeAnExistingFile())
			Expect(recorded(ctx)).To(Equal(before))
		})

		It("is refused when it holds another key", func(ctx SpecContext) {
			_, err := openSecretKey(ctx, st, path)
			Expect(err).NotTo(HaveOccurred())
			before := recorded(ctx)
			Expect(os.WriteFile(path, bytes.Repeat([]byte{9}, secret.KeySize), 0o600)).To(Succeed())

			_, err = openSecretKey(ctx, st, path)
			Expect(err).To(MatchError("secret key file " + path + " does not match the key this store was started with: " +
				"copy the key file from the other hubs or a backup"))
			Expect(recorded(ctx)).To(Equal(before))
		})

		It("is recorded as it is for a store from before the check", func(ctx SpecContext) {
			existing, err := secret.LoadOrCreateKey(path)
			Expect(err).NotTo(HaveOccurred())
			_, err = st.Setting(ctx, store.SettingSecretKeyCheck)
			Expect(err).To(MatchError(store.ErrNotFound))

			box, err := openSecretKey(ctx, st, path)
			Expect(err).NotTo(HaveOccurred())
			Expect(box.KeyCheck()).To(Equal(existing.KeyCheck()))
			Expect(recorded(ctx)).To(Equal(existing.KeyCheck()))
		})

		// startTogether opens the key files at paths as that many hubs
		// starting at once on the store, each with a connection of its own.
		startTogether := func(ctx SpecContext, paths []string) (boxes []*secret.Box, errs []error) {
			boxes, errs = make([]*secret.Box, len(paths)), make([]error, len(paths))
			stores := make([]*store.Store, len(paths))
			for i := range paths {
				s, err := store.Open(ctx, db.URL())
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(s.Close)
				stores[i] = s
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, p := range paths {
				wg.Go(func() {
					<-start
					boxes[i], errs[i] = openSecretKey(ctx, stores[i], p)
				})
			}
			close(start)
			wg.Wait()
			return boxes, errs
		}

		It("is the same for hubs starting together on one key file", func(ctx SpecContext) {
			paths := []string{path, path, path, path, path}
			boxes, errs := startTogether(ctx, paths)
			for i := range paths {
				Expect(errs[i]).NotTo(HaveOccurred())
				Expect(boxes[i].KeyCheck()).To(Equal(recorded(ctx)))
			}
		})

		It("is the first one's for hubs starting together with key files of their own: the others are refused", func(ctx SpecContext) {
			dir := GinkgoT().TempDir()
			var paths []string
			for i := range 5 {
				paths = append(paths, filepath.Join(dir, "hub"+string(rune('a'+i)), "secret.key"))
			}
			boxes, errs := startTogether(ctx, paths)
			started := 0
			for i := range paths {
				if errs[i] == nil {
					started++
					Expect(boxes[i].KeyCheck()).To(Equal(recorded(ctx)))
					continue
				}
				// Refused as missing when it looked after the first had
				// recorded its key, as not matching when it made a key
				// of its own.
				Expect(errs[i]).To(MatchError(MatchRegexp(`^secret key file %s (is missing|does not match).*: copy the key file from the other hubs`,
					regexp.QuoteMeta(paths[i]))))
			}
			Expect(started).To(Equal(1))
		})
	})
})
