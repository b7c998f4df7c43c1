package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// keyYAML is a hub's config on the store at dbURL, with its secret key
// file in dir and no CRM.
func keyYAML(dir, dbURL string) string {
	return fmt.Sprintf(`listen: 127.0.0.1:0
database: { url: %q }
secret_key_file: %s
crms: { klicktipp: { enabled: false } }
`, dbURL, filepath.Join(dir, "secret.key"))
}

var _ = Describe("crmhub serve and the secret key file", Label("process"), func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("refuses, in one line, a key file missing or other than the one the store was started with", func() {
			dir := GinkgoT().TempDir()
			keyFile := filepath.Join(dir, "secret.key")
			first := startHub(dir, keyYAML(dir, db.URL()))
			first.stop()
			key, err := os.ReadFile(keyFile)
			Expect(err).NotTo(HaveOccurred())

			By("a missing key file: refused, and no new key made")
			Expect(os.Remove(keyFile)).To(Succeed())
			code, stdout, stderr := crmhubProcess(dir, "serve", "--config", first.config)
			Expect(code).To(Equal(1))
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(Equal("crmhub serve: secret key file " + keyFile + " is missing, but this store was started with one: " +
				"copy the key file from the other hubs or a backup (a new key could not open the passwords waiting to be sent)\n"))
			Expect(keyFile).NotTo(BeAnExistingFile())

			By("another key: refused")
			Expect(os.WriteFile(keyFile, bytes.Repeat([]byte{9}, secret.KeySize), 0o600)).To(Succeed())
			code, _, stderr = crmhubProcess(dir, "serve", "--config", first.config)
			Expect(code).To(Equal(1))
			Expect(stderr).To(Equal("crmhub serve: secret key file " + keyFile + " does not match the key this store was started with: " +
				"copy the key file from the other hubs or a backup\n"))

			By("the key file copied back: it starts")
			Expect(os.WriteFile(keyFile, key, 0o600)).To(Succeed())
			again := startHub(dir, keyYAML(dir, db.URL()))
			Expect(again.send(http.MethodGet, "/readyz", "", "").code).To(Equal(http.StatusOK))
		})
	})
})
