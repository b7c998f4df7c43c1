package server_test

import (
	"encoding/json"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/server"
)

var _ = Describe("Storing a webhook's header", func() {
	DescribeTable("writes it as encoding/json does, byte for byte",
		func(h http.Header) {
			want, err := json.Marshal(h)
			Expect(err).NotTo(HaveOccurred())
			Expect(server.HeaderJSON(h)).To(Equal(string(want)))
		},
		Entry("no header", http.Header{}),
		Entry("a nil header", http.Header(nil)),
		Entry("the usual ASCII, names out of order",
			http.Header{"User-Agent": {"KlickTipp/1.0"}, "Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"*/*"}}),
		Entry("several values, one empty", http.Header{"X-Many": {"a", "", "b c"}}),
		Entry("no values and nil values", http.Header{"X-Empty": {}, "X-Nil": nil}),
		Entry("what JSON escapes for HTML", http.Header{"X-Html": {"<a href='x'>&amp;</a>"}}),
		Entry("quotes and backslashes", http.Header{"X-Quoted": {`say "hi" \o/`}}),
		Entry("control characters", http.Header{"X-Ctl": {"tab\there\x7f", "nul\x00"}}),
		Entry("UTF-8 and bytes that are not", http.Header{"X-Name": {"Jürgen \u2028", "\xff\xfe"}}),
		Entry("a name that needs escaping", http.Header{"X-<\"Odd\">": {"v"}}),
	)
})
