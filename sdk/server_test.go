package sdk

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
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

// gate is a CRM whose GetContact waits until open is closed, counting the
// calls waiting in it.
type gate struct {
	CRM
	waiting chan struct{}
	open    chan struct{}
}

func (g gate) GetContact(ctx context.Context, id string) (Contact, error) {
	g.waiting <- struct{}{}
	<-g.open
	return Contact{ID: id}, nil
}

var _ = Describe("a plugin's gRPC server", func() {
	// It keeps streamWorkers goroutines to serve calls; a slow CRM must not
	// make the calls beyond them wait for one.
	It("serves more calls at once than it keeps goroutines for", func(ctx SpecContext) {
		server := newGRPCServer(nil)
		calls := 2 * streamWorkers
		g := gate{waiting: make(chan struct{}, calls), open: make(chan struct{})}
		Expect((&GRPCPlugin{Impl: g}).GRPCServer(nil, server)).To(Succeed())
		dir, err := os.MkdirTemp("", "sdk") // short: a socket's path is bounded
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(os.RemoveAll, dir)
		ln, err := net.Listen("unix", filepath.Join(dir, "plugin.sock"))
		Expect(err).NotTo(HaveOccurred())
		go server.Serve(ln) //nolint:errcheck // ends with server.Stop
		DeferCleanup(server.Stop)
		conn, err := grpc.NewClient("unix://"+ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(conn.Close)
		// Let the calls go before the server stops, which waits for them.
		release := sync.OnceFunc(func() { close(g.open) })
		DeferCleanup(release)
		client := crmv1.NewCRMClient(conn)

		answered := make(chan error, calls)
		for i := range calls {
			go func() {
				_, err := client.GetContact(ctx, &crmv1.GetContactRequest{Id: strconv.Itoa(i)})
				answered <- err
			}()
		}
		Eventually(func() int { return len(g.waiting) }).WithContext(ctx).Should(Equal(calls),
			"every call is in the CRM at once")
		release()
		for range calls {
			Expect(<-answered).To(Succeed())
		}
	})
})
