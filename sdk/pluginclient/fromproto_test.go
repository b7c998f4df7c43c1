package pluginclient

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crmhub/crmhub/sdk"
	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

var _ = Describe("decoding a plugin's answers", func() {
	noSettings, noStrings := []sdk.Setting{}, []string{}
	DescribeTable("infoFromProto",
		func(in *crmv1.InfoResponse, want sdk.Info) { Expect(infoFromProto(in)).To(Equal(want)) },
		Entry("nil", nil, sdk.Info{Capabilities: noStrings, Settings: noSettings}),
		Entry("zero", &crmv1.InfoResponse{}, sdk.Info{Capabilities: noStrings, Settings: noSettings}),
		Entry("name", &crmv1.InfoResponse{Name: "klicktipp"}, sdk.Info{Name: "klicktipp", Capabilities: noStrings, Settings: noSettings}),
		Entry("display name", &crmv1.InfoResponse{DisplayName: "KlickTipp"}, sdk.Info{DisplayName: "KlickTipp", Capabilities: noStrings, Settings: noSettings}),
		Entry("version", &crmv1.InfoResponse{Version: "1.0.0"}, sdk.Info{Version: "1.0.0", Capabilities: noStrings, Settings: noSettings}),
		Entry("protocol version", &crmv1.InfoResponse{ProtocolVersion: 1}, sdk.Info{ProtocolVersion: 1, Capabilities: noStrings, Settings: noSettings}),
		Entry("capabilities", &crmv1.InfoResponse{Capabilities: []string{"x"}}, sdk.Info{Capabilities: []string{"x"}, Settings: noSettings}),
		Entry("settings", &crmv1.InfoResponse{Settings: []*crmv1.Setting{{Name: "password", Description: "d", Required: true, Secret: true}}},
			sdk.Info{Capabilities: noStrings, Settings: []sdk.Setting{{Name: "password", Description: "d", Required: true, Secret: true}}}),
	)

	DescribeTable("decodeResultFromProto",
		func(in *crmv1.DecodeResult, want DecodeResult) { Expect(decodeResultFromProto(in)).To(Equal(want)) },
		Entry("nil", nil, DecodeResult{Err: &sdk.Error{Kind: sdk.KindInvalid, Message: "plugin returned no result for this webhook"}}),
		Entry("zero", &crmv1.DecodeResult{}, DecodeResult{Err: &sdk.Error{Kind: sdk.KindInvalid, Message: "plugin returned no result for this webhook"}}),
		Entry("no items", &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{}}},
			DecodeResult{Items: []sdk.Item{}}),
		Entry("contact id", &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{Items: []*crmv1.Item{{ContactId: "1"}}}}},
			DecodeResult{Items: []sdk.Item{{ContactID: "1"}}}),
		Entry("email, action, notes", &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{Items: []*crmv1.Item{
			{Email: "a@example.com", Action: "ignore", Reason: "deleted", Notes: []string{"n"}}}}}},
			DecodeResult{Items: []sdk.Item{{Email: "a@example.com", Action: sdk.ActionIgnore, Reason: "deleted", Notes: []string{"n"}}}}),
		Entry("a carried contact", &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{Items: []*crmv1.Item{
			{ContactId: "7", Contact: &crmv1.Contact{Id: "7", Email: "b@example.com"}}}}}},
			DecodeResult{Items: []sdk.Item{{ContactID: "7", Contact: &sdk.Contact{ID: "7", Email: "b@example.com", Tags: []sdk.Tag{}, Fields: map[string]string{}}}}}),
		Entry("error", &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Error{Error: &crmv1.Error{Kind: crmv1.Kind_KIND_INVALID, Message: "no id"}}},
			DecodeResult{Err: &sdk.Error{Kind: sdk.KindInvalid, Message: "no id"}}),
	)

	noTags, noFields := []sdk.Tag{}, map[string]string{}
	DescribeTable("contactFromProto",
		func(in *crmv1.Contact, want sdk.Contact) { Expect(contactFromProto(in)).To(Equal(want)) },
		Entry("nil", nil, sdk.Contact{Tags: noTags, Fields: noFields}),
		Entry("zero", &crmv1.Contact{}, sdk.Contact{Tags: noTags, Fields: noFields}),
		Entry("id", &crmv1.Contact{Id: "7"}, sdk.Contact{ID: "7", Tags: noTags, Fields: noFields}),
		Entry("email", &crmv1.Contact{Email: "a@example.com"}, sdk.Contact{Email: "a@example.com", Tags: noTags, Fields: noFields}),
		Entry("tags", &crmv1.Contact{Tags: []*crmv1.Tag{{Id: "1", Name: "VIP"}, nil}},
			sdk.Contact{Tags: []sdk.Tag{{ID: "1", Name: "VIP"}, {}}, Fields: noFields}),
		Entry("fields", &crmv1.Contact{Fields: map[string]string{"fieldCity": "Bonn"}},
			sdk.Contact{Tags: noTags, Fields: map[string]string{"fieldCity": "Bonn"}}),
	)

	DescribeTable("fieldsFromProto",
		func(in []*crmv1.Field, want []sdk.Field) { Expect(fieldsFromProto(in)).To(Equal(want)) },
		Entry("nil", nil, []sdk.Field{}),
		Entry("zero", []*crmv1.Field{{}}, []sdk.Field{{}}),
		Entry("id", []*crmv1.Field{{Id: "fieldCity"}}, []sdk.Field{{ID: "fieldCity"}}),
		Entry("name", []*crmv1.Field{{Name: "City"}}, []sdk.Field{{Name: "City"}}),
	)

	DescribeTable("errorFromProto",
		func(in *crmv1.Error, want *sdk.Error) { Expect(errorFromProto(in)).To(Equal(want)) },
		Entry("nil", nil, nil),
		Entry("zero is retryable", &crmv1.Error{}, &sdk.Error{Kind: sdk.KindRetryable}),
		Entry("kind", &crmv1.Error{Kind: crmv1.Kind_KIND_NOT_FOUND}, &sdk.Error{Kind: sdk.KindNotFound}),
		Entry("message", &crmv1.Error{Kind: crmv1.Kind_KIND_INVALID, Message: "bad"}, &sdk.Error{Kind: sdk.KindInvalid, Message: "bad"}),
		Entry("retry after", &crmv1.Error{RetryAfter: durationpb.New(2 * time.Second)}, &sdk.Error{Kind: sdk.KindRetryable, RetryAfter: 2 * time.Second}),
	)
})

var _ = Describe("encoding the host's requests", func() {
	DescribeTable("rawWebhookToProto",
		func(in sdk.RawWebhook, want *crmv1.RawWebhook) {
			Expect(rawWebhookToProto(in).String()).To(Equal(want.String()))
		},
		Entry("nil maps", sdk.RawWebhook{Query: nil, Header: nil}, &crmv1.RawWebhook{}),
		Entry("zero", sdk.RawWebhook{}, &crmv1.RawWebhook{}),
		Entry("method", sdk.RawWebhook{Method: "GET"}, &crmv1.RawWebhook{Method: "GET"}),
		Entry("query", sdk.RawWebhook{Query: map[string][]string{"id": {"1"}}},
			&crmv1.RawWebhook{Query: map[string]*crmv1.Values{"id": {Values: []string{"1"}}}}),
		Entry("header", sdk.RawWebhook{Header: map[string][]string{"X-A": {"b", "c"}}},
			&crmv1.RawWebhook{Header: map[string]*crmv1.Values{"X-A": {Values: []string{"b", "c"}}}}),
		Entry("content type", sdk.RawWebhook{ContentType: "text/plain"}, &crmv1.RawWebhook{ContentType: "text/plain"}),
		Entry("body", sdk.RawWebhook{Body: []byte{0, 1}}, &crmv1.RawWebhook{Body: []byte{0, 1}}),
	)

	It("splits a batch whose bodies exceed the message budget, keeping order", func() {
		big := make([]byte, 400)
		hooks := []sdk.RawWebhook{{Body: big, Method: "1"}, {Body: big, Method: "2"}, {Body: big, Method: "3"}, {Body: make([]byte, 2000), Method: "4"}, {Method: "5"}}
		got := chunks(hooks, 1000)
		var methods [][]string
		for _, c := range got {
			var m []string
			for _, h := range c {
				m = append(m, h.GetMethod())
			}
			methods = append(methods, m)
		}
		Expect(methods).To(Equal([][]string{{"1", "2"}, {"3"}, {"4"}, {"5"}}))
	})
})
