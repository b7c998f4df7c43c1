package sdk

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

var _ = Describe("decoding the host's requests", func() {
	empty := map[string][]string{}
	DescribeTable("rawWebhookFromProto",
		func(in *crmv1.RawWebhook, want RawWebhook) { Expect(rawWebhookFromProto(in)).To(Equal(want)) },
		Entry("nil", nil, RawWebhook{Query: empty, Header: empty}),
		Entry("zero", &crmv1.RawWebhook{}, RawWebhook{Query: empty, Header: empty}),
		Entry("method", &crmv1.RawWebhook{Method: "POST"}, RawWebhook{Method: "POST", Query: empty, Header: empty}),
		Entry("query", &crmv1.RawWebhook{Query: map[string]*crmv1.Values{"id": {Values: []string{"1", "2"}}}},
			RawWebhook{Query: map[string][]string{"id": {"1", "2"}}, Header: empty}),
		Entry("header", &crmv1.RawWebhook{Header: map[string]*crmv1.Values{"X-A": {Values: []string{"b"}}}},
			RawWebhook{Query: empty, Header: map[string][]string{"X-A": {"b"}}}),
		Entry("content type", &crmv1.RawWebhook{ContentType: "application/json"},
			RawWebhook{ContentType: "application/json", Query: empty, Header: empty}),
		Entry("body", &crmv1.RawWebhook{Body: []byte("a=b")}, RawWebhook{Body: []byte("a=b"), Query: empty, Header: empty}),
	)
})
