package testbin_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/testbin"
)

const testhost = "github.com/crmhub/crmhub/internal/testhost"

var _ = Describe("building a test binary", Serial, func() {
	BeforeEach(func() { GinkgoT().Setenv(testbin.EnvDir, "") }) // ignore the Makefile's prebuilt binaries
	AfterEach(testbin.Cleanup)

	It("builds it once and hands out the same file", func() {
		first, err := testbin.Build(testhost, "testhost")
		Expect(err).NotTo(HaveOccurred())
		info, err := os.Stat(first)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()&0o100).NotTo(BeZero(), "executable")

		Expect(os.Remove(first)).To(Succeed()) // a second build would bring it back
		second, err := testbin.Build(testhost, "testhost")
		Expect(err).NotTo(HaveOccurred())
		Expect(second).To(Equal(first))
		Expect(second).NotTo(BeAnExistingFile())
	})

	It("uses a prebuilt binary from CRMHUBTEST_BIN_DIR", func() {
		dir := GinkgoT().TempDir()
		prebuilt := filepath.Join(dir, "testhost")
		Expect(os.WriteFile(prebuilt, []byte("#!/bin/sh\n"), 0o755)).To(Succeed())
		GinkgoT().Setenv(testbin.EnvDir, dir)
		Expect(testbin.Build(testhost, "testhost")).To(Equal(prebuilt))
	})

	It("says why a build failed", func() {
		_, err := testbin.Build("github.com/crmhub/crmhub/no/such/package", "nothing")
		Expect(err).To(MatchError(ContainSubstring("go build github.com/crmhub/crmhub/no/such/package")))
	})

	It("removes what it built on Cleanup", func() {
		path, err := testbin.Build(testhost, "testhost")
		Expect(err).NotTo(HaveOccurred())
		testbin.Cleanup()
		Expect(path).NotTo(BeAnExistingFile())
	})
})
