package sdk_test

import (
	"io"
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("APITransport", func() {
	const wave = 4 // calls at once: more than the two idle connections Go's default keeps

	// opened counts the connections two bursts of wave calls open to a
	// fake API through transport.
	opened := func(ctx SpecContext, transport *http.Transport) int {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"id":"1"}`)
		}))
		DeferCleanup(fake.Close)
		DeferCleanup(transport.CloseIdleConnections)
		client := &http.Client{Transport: transport}
		n, err := sdktest.BurstsOpen(fake.URL, wave, func(base string) (func() error, error) {
			return func() error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/contacts/1", nil)
				if err != nil {
					return err
				}
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				_, err = io.Copy(io.Discard, resp.Body)
				return err
			}, nil
		})
		Expect(err).NotTo(HaveOccurred())
		return n
	}

	It("keeps a burst's connections for the next burst", func(ctx SpecContext) {
		Expect(opened(ctx, sdk.APITransport())).To(Equal(wave))
	})

	It("is needed: Go's default transport keeps two and opens more again", func(ctx SpecContext) {
		// The second burst's calls are held until all are in flight, so
		// beyond the two connections kept it opens two more.
		Expect(opened(ctx, http.DefaultTransport.(*http.Transport).Clone())).To(BeNumerically(">", wave))
	})
})
