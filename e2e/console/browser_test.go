package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// chromiumPaths are where Chromium is looked for, after
// CRMHUBTEST_CHROMIUM: Debian's package and the usual names on PATH.
var chromiumPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}

var noticeOnce sync.Once

// chromium finds the browser. Without one the spec is skipped with a loud
// notice, or fails under CRMHUBTEST_REQUIRE_CHROMIUM=1 (as in CI).
func chromium() string {
	GinkgoHelper()
	candidates := chromiumPaths
	if p := os.Getenv("CRMHUBTEST_CHROMIUM"); p != "" {
		candidates = []string{p}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CRMHUBTEST_REQUIRE_CHROMIUM") == "1" {
		Fail(fmt.Sprintf("Chromium is required (CRMHUBTEST_REQUIRE_CHROMIUM=1) but none was found at %v", candidates))
	}
	noticeOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "\n*** CHROMIUM NOT FOUND (%v): the browser specs of the web console are SKIPPED ***\n\n", candidates)
	})
	Skip("Chromium not found")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile, for the
// rest of the container, and returns a tab's context.
func newBrowser() context.Context {
	GinkgoHelper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium()),
		chromedp.UserDataDir(GinkgoT().TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	DeferCleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	Expect(chromedp.Do(tab)).To(Succeed(), "start Chromium")
	return tab
}
