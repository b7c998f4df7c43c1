package pluginclient_test

import (
	"context"
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

// scripted is a CRM whose answers each spec sets.
type scripted struct {
	sdk.CRM // nil: calls not scripted here panic, which the SDK must survive
	info    sdk.Info
	contact func(ctx context.Context, id string) (sdk.Contact, error)
	decode  func(hook sdk.RawWebhook) ([]sdk.Item, error)
	got     sdk.Settings
}

func (s *scripted) Info(context.Context) (sdk.Info, error) { return s.info, nil }
func (s *scripted) Configure(_ context.Context, settings sdk.Settings) error {
	s.got = settings
	return nil
}
func (s *scripted) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	return s.contact(ctx, id)
}
func (s *scripted) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	return s.decode(hook)
}

var _ = Describe("a call across the plugin connection", func() {
	var (
		plugin *scripted
		client *pluginclient.Client
		stop   func()
	)
	BeforeEach(func() {
		plugin = &scripted{}
		var err error
		client, stop, err = sdktest.Serve(plugin)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { stop() })
	})

	failWith := func(err error) {
		plugin.contact = func(context.Context, string) (sdk.Contact, error) { return sdk.Contact{}, err }
	}

	DescribeTable("keeps an error's kind, message and retry delay",
		func(sent error, kind sdk.Kind, message string, after time.Duration) {
			failWith(sent)
			_, err := client.GetContact(context.Background(), "7")
			var got *sdk.Error
			Expect(errors.As(err, &got)).To(BeTrue(), "want an *sdk.Error, got %T %v", err, err)
			Expect(got.Kind).To(Equal(kind))
			Expect(got.Message).To(Equal(message))
			Expect(got.RetryAfter).To(Equal(after))
			Expect(errors.Is(err, pluginclient.ErrUnavailable)).To(BeFalse())
		},
		Entry("NotFound", sdk.NotFound("no contact 7"), sdk.KindNotFound, "no contact 7", time.Duration(0)),
		Entry("Invalid", sdk.Invalid("bad id"), sdk.KindInvalid, "bad id", time.Duration(0)),
		Entry("Unauthenticated", sdk.Unauthenticated("session expired"), sdk.KindUnauthenticated, "session expired", time.Duration(0)),
		Entry("Unsupported", sdk.Unsupported("no such call"), sdk.KindUnsupported, "no such call", time.Duration(0)),
		Entry("Retryable", sdk.Retryable(errors.New("502 from CRM"), 0), sdk.KindRetryable, "502 from CRM", time.Duration(0)),
		Entry("Retryable with a retry-after", sdk.Retryable(errors.New("429"), 1500*time.Millisecond), sdk.KindRetryable, "429", 1500*time.Millisecond),
		Entry("a plain error, as retryable", errors.New("connection reset"), sdk.KindRetryable, "connection reset", time.Duration(0)),
	)

	It("survives a panic in the plugin and reports it as a retryable error", func() {
		_, err := client.ListFields(context.Background())
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "a nil embedded CRM panics: the SDK turns it into an error")
		Expect(err).To(MatchError(ContainSubstring("ListFields panicked")))

		_, err = client.GetContact(context.Background(), "7")
		Expect(err).To(HaveOccurred(), "the plugin keeps serving after a panic")
	})

	It("fails only the webhook whose decoding panics, as retryable and naming the panic, and keeps serving", func() {
		plugin.decode = func(hook sdk.RawWebhook) ([]sdk.Item, error) {
			id := hook.Query["id"][0]
			if id == "poison" {
				var contacts map[string]string
				contacts[id] = id // a nil map: the kind of bug a plugin ships
			}
			return []sdk.Item{{ContactID: id}}, nil
		}
		hook := func(id string) sdk.RawWebhook {
			return sdk.RawWebhook{Method: "POST", Query: map[string][]string{"id": {id}}}
		}
		results, err := client.DecodeWebhooks(context.Background(), []sdk.RawWebhook{hook("1"), hook("poison"), hook("3")})
		Expect(err).NotTo(HaveOccurred())
		Expect(results).To(HaveLen(3))
		Expect(results[0]).To(Equal(pluginclient.DecodeResult{Items: []sdk.Item{{ContactID: "1"}}}))
		Expect(results[2]).To(Equal(pluginclient.DecodeResult{Items: []sdk.Item{{ContactID: "3"}}}))
		Expect(sdk.KindOf(results[1].Err)).To(Equal(sdk.KindRetryable))
		Expect(results[1].Err).To(MatchError(ContainSubstring("decoding this webhook panicked: assignment to entry in nil map")))

		_, err = client.DecodeWebhook(context.Background(), hook("4"))
		Expect(err).NotTo(HaveOccurred(), "the plugin keeps serving after the panic")
	})

	It("reports a plugin that is gone as ErrUnavailable", func() {
		stop()
		_, err := client.GetContact(context.Background(), "7")
		Expect(err).To(MatchError(pluginclient.ErrUnavailable))
	})

	It("reports the caller's deadline as a retryable DeadlineExceeded", func() {
		plugin.contact = func(ctx context.Context, _ string) (sdk.Contact, error) {
			<-ctx.Done()
			return sdk.Contact{}, ctx.Err()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := client.GetContact(ctx, "7")
		Expect(err).To(MatchError(context.DeadlineExceeded))
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
	})

	It("carries a contact unchanged", func() {
		anna := sdk.Contact{ID: "7", Email: "anna@example.com", Tags: []sdk.Tag{{ID: "1", Name: "VIP"}}, Fields: map[string]string{"fieldCity": "Bonn"}}
		plugin.contact = func(context.Context, string) (sdk.Contact, error) { return anna, nil }
		Expect(client.GetContact(context.Background(), "7")).To(Equal(anna))
	})

	It("carries the event id, the receipt time and every item field to the plugin and back", func() {
		received := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		var seen sdk.RawWebhook
		plugin.decode = func(hook sdk.RawWebhook) ([]sdk.Item, error) {
			seen = hook
			return []sdk.Item{
				{ContactID: "1", Action: sdk.ActionUpdateTags, Notes: []string{"from the webhook"}},
				sdk.Ignore("2", "a deletion"),
				{Email: "c@example.com", Contact: &sdk.Contact{ID: "3", Email: "c@example.com", Tags: []sdk.Tag{}, Fields: map[string]string{}}},
			}, nil
		}
		items, err := client.DecodeWebhook(context.Background(), sdk.RawWebhook{EventID: "42", ReceivedAt: received, Method: "POST"})
		Expect(err).NotTo(HaveOccurred())
		Expect(seen.EventID).To(Equal("42"))
		Expect(seen.ReceivedAt.Equal(received)).To(BeTrue())
		Expect(items).To(HaveLen(3))
		Expect(items[0]).To(Equal(sdk.Item{ContactID: "1", Action: sdk.ActionUpdateTags, Notes: []string{"from the webhook"}}))
		Expect(items[1]).To(Equal(sdk.Item{ContactID: "2", Action: sdk.ActionIgnore, Reason: "a deletion"}))
		Expect(items[2].Contact).To(Equal(&sdk.Contact{ID: "3", Email: "c@example.com", Tags: []sdk.Tag{}, Fields: map[string]string{}}))
	})

	It("hands the event id of the caller's context to the plugin's method", func() {
		var got string
		plugin.contact = func(ctx context.Context, _ string) (sdk.Contact, error) {
			got = sdk.EventID(ctx)
			return sdk.Contact{}, nil
		}
		_, err := client.GetContact(sdk.WithEventID(context.Background(), "99"), "7")
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal("99"))
	})

	It("tells the host the SDK's protocol version, whatever the plugin's Info says", func() {
		plugin.info = sdk.Info{Name: "x", ProtocolVersion: 99}
		info, err := client.Info(context.Background())
		Expect(err).NotTo(HaveOccurred())
		Expect(info.ProtocolVersion).To(Equal(sdk.ProtocolVersion))
	})

	It("hands Configure an empty map, not nil, when there are no settings", func() {
		Expect(client.Configure(context.Background(), nil)).To(Succeed())
		Expect(plugin.got).To(Equal(sdk.Settings{}))
	})

	It("decodes a batch with one result per webhook, in order", func() {
		plugin.decode = func(hook sdk.RawWebhook) ([]sdk.Item, error) {
			if id := hook.Query["id"]; len(id) > 0 {
				return []sdk.Item{{ContactID: id[0]}}, nil
			}
			return nil, sdk.Invalid("no id")
		}
		big := make([]byte, 1<<20)
		var hooks []sdk.RawWebhook
		for _, id := range []string{"1", "", "3", "4", "5"} {
			hook := sdk.RawWebhook{Method: "POST", Body: big}
			if id != "" {
				hook.Query = map[string][]string{"id": {id}}
			}
			hooks = append(hooks, hook)
		}
		results, err := client.DecodeWebhooks(context.Background(), hooks)
		Expect(err).NotTo(HaveOccurred(), "5 MiB of bodies exceed one message: the client splits the batch")
		Expect(results).To(HaveLen(5))
		Expect(results[0]).To(Equal(pluginclient.DecodeResult{Items: []sdk.Item{{ContactID: "1"}}}))
		Expect(sdk.IsInvalid(results[1].Err)).To(BeTrue())
		Expect(results[4].Items[0].ContactID).To(Equal("5"))
	})
})
