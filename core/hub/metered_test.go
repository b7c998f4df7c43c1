package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// scrape returns what /metrics shows.
func scrape(m *metrics.Metrics) string {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// applying is an applier that ends every event as told.
type applying struct {
	res engine.Result
	err error
}

func (a applying) Apply(context.Context, engine.Event, engine.CommitFunc) (engine.Result, error) {
	return a.res, a.err
}

var _ = Describe("The metered seams", func() {
	var m *metrics.Metrics
	BeforeEach(func() { m = metrics.New(slog.New(slog.DiscardHandler)) })

	DescribeTable("count how each attempt at an event ended, reading errors as the inbox does",
		func(res engine.Result, err error, want string) {
			a := meteredApplier{next: applying{res, err}, metrics: m}
			_, got := a.Apply(context.Background(), engine.Event{CRM: "klicktipp", Action: "add"}, nil)
			Expect(got == err).To(BeTrue(), "the error passes through")
			out := scrape(m)
			Expect(out).To(ContainSubstring(`crmhub_event_processing_duration_seconds_count{action="add",crm="klicktipp"} 1`))
			if want == "" {
				Expect(out).NotTo(ContainSubstring(`{crm="klicktipp"`))
				return
			}
			Expect(out).To(ContainSubstring(want + " 1"))
		},
		Entry("applied", engine.Result{Outcome: engine.Created}, nil, `crmhub_events_processed_total{crm="klicktipp",outcome="created"}`),
		Entry("no such contact, told by the engine", engine.Result{Outcome: engine.ContactNotFound}, nil, `crmhub_events_processed_total{crm="klicktipp",outcome="contact_not_found"}`),
		Entry("no such contact, told by the CRM", engine.Result{}, sdk.NotFound("no contact 1"), `crmhub_events_processed_total{crm="klicktipp",outcome="contact_not_found"}`),
		Entry("an invalid request", engine.Result{}, sdk.Invalid("bad"), `crmhub_events_processed_total{crm="klicktipp",outcome="invalid_payload"}`),
		Entry("the plugin down", engine.Result{}, fmt.Errorf("get contact: %w", host.ErrPluginDown), `crmhub_event_plugin_waits_total{crm="klicktipp"}`),
		Entry("the credentials refused", engine.Result{}, sdk.Unauthenticated("session expired"), `crmhub_event_plugin_waits_total{crm="klicktipp"}`),
		Entry("a CRM in trouble", engine.Result{}, sdk.Retryable(errors.New("503"), time.Second), `crmhub_event_retries_total{crm="klicktipp"}`),
		Entry("an error of no kind", engine.Result{}, errors.New("connection reset"), `crmhub_event_retries_total{crm="klicktipp"}`),
		Entry("the event taken over by another worker", engine.Result{}, store.ErrLeaseLost, ""),
	)

	DescribeTable("name how a CRM call failed",
		func(err error, want string) { Expect(errorKind(err)).To(Equal(want)) },
		Entry("it did not", nil, ""),
		Entry("plugin down", fmt.Errorf("crm x: %w", host.ErrPluginDown), "plugin_down"),
		Entry("not found", sdk.NotFound("x"), "not_found"),
		Entry("invalid", sdk.Invalid("x"), "invalid"),
		Entry("unauthenticated", sdk.Unauthenticated("x"), "unauthenticated"),
		Entry("unsupported", sdk.Unsupported("x"), "unsupported"),
		Entry("anything else", errors.New("x"), "retryable"),
	)

	It("observes the size of each group commit of webhooks, and no other insert", func(ctx SpecContext) {
		st, err := store.Open(ctx, "sqlite://"+filepath.Join(GinkgoT().TempDir(), "hub.db"))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		Expect(st.Migrate(ctx)).To(Succeed())
		st.DB().AddQueryHook(commitSizes{metrics: m})

		now := time.Now().UTC()
		batch := make([]*store.Event, 3)
		for i := range batch {
			batch[i] = &store.Event{CRM: "klicktipp", Action: "add", Method: "POST", Status: store.StatusReceived,
				ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
		}
		Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, batch) })).To(Succeed())
		Expect(st.CreateUser(ctx, &store.User{Username: "anna", Email: "anna@example.com", Role: "subscriber", PasswordHash: "x"})).To(Succeed())

		out := scrape(m)
		Expect(out).To(ContainSubstring("crmhub_inbox_commit_batch_size_count 1\n"))
		Expect(out).To(ContainSubstring("crmhub_inbox_commit_batch_size_sum 3\n"))
	})
})
