package sdk

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// broken is a CRM whose every call panics: its embedded CRM is nil.
type broken struct{ CRM }

var _ = Describe("serving a plugin", func() {
	It("answers a call the plugin panicked in with Internal, its kind retryable, and goes on serving", func() {
		s := &grpcServer{impl: broken{}}
		_, err := s.ListTags(context.Background(), &crmv1.ListTagsRequest{})
		st, ok := status.FromError(err)
		Expect(ok).To(BeTrue())
		Expect(st.Code()).To(Equal(codes.Internal))
		Expect(st.Message()).To(ContainSubstring("ListTags panicked"))
		Expect(st.Details()).To(ConsistOf(HaveField("Kind", crmv1.Kind_KIND_RETRYABLE)))

		_, err = s.GetContact(context.Background(), &crmv1.GetContactRequest{Id: "7"})
		Expect(status.Code(err)).To(Equal(codes.Internal))
	})

	It("gives a webhook its decoder panicked on a retryable error of its own", func() {
		s := &grpcServer{impl: broken{}}
		resp, err := s.DecodeWebhooks(context.Background(), &crmv1.DecodeWebhooksRequest{
			Webhooks: []*crmv1.RawWebhook{{Method: "POST"}, {Method: "GET"}},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.GetResults()).To(HaveLen(2))
		for _, r := range resp.GetResults() {
			Expect(r.GetError().GetKind()).To(Equal(crmv1.Kind_KIND_RETRYABLE))
			Expect(r.GetError().GetMessage()).To(ContainSubstring("decoding this webhook panicked"))
		}
	})
})
