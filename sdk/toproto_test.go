package sdk

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// equalProto compares messages with proto.Equal, as gomega's Equal cannot.
func equalProto(want proto.Message) OmegaMatcher {
	return WithTransform(func(got proto.Message) bool { return proto.Equal(got, want) }, BeTrue())
}

var _ = Describe("encoding a plugin's answers", func() {
	DescribeTable("infoToProto",
		func(in Info, want *crmv1.InfoResponse) { Expect(infoToProto(in)).To(equalProto(want)) },
		Entry("nil slices", Info{Capabilities: nil, Settings: nil}, &crmv1.InfoResponse{}),
		Entry("zero", Info{}, &crmv1.InfoResponse{}),
		Entry("name", Info{Name: "klicktipp"}, &crmv1.InfoResponse{Name: "klicktipp"}),
		Entry("display name", Info{DisplayName: "KlickTipp"}, &crmv1.InfoResponse{DisplayName: "KlickTipp"}),
		Entry("version", Info{Version: "1.2.0"}, &crmv1.InfoResponse{Version: "1.2.0"}),
		Entry("protocol version", Info{ProtocolVersion: 1}, &crmv1.InfoResponse{ProtocolVersion: 1}),
		Entry("capabilities", Info{Capabilities: []string{"update_contact"}}, &crmv1.InfoResponse{Capabilities: []string{"update_contact"}}),
		Entry("settings", Info{Settings: []Setting{{Name: "password", Description: "d", Required: true, Secret: true}}},
			&crmv1.InfoResponse{Settings: []*crmv1.Setting{{Name: "password", Description: "d", Required: true, Secret: true}}}),
	)

	DescribeTable("decodeResultToProto",
		func(items []Item, err error, want *crmv1.DecodeResult) {
			Expect(decodeResultToProto(items, err)).To(equalProto(want))
		},
		Entry("no items", nil, nil, &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{}}}),
		Entry("contact id", []Item{{ContactID: "1"}}, nil, &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{Items: []*crmv1.Item{{ContactId: "1"}}}}}),
		Entry("email and action", []Item{{Email: "a@example.com", Action: ActionUpdateTags}}, nil,
			&crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{Items: []*crmv1.Item{{Email: "a@example.com", Action: "update_tags"}}}}}),
		Entry("error", []Item{{ContactID: "ignored"}}, Invalid("no contact"),
			&crmv1.DecodeResult{Result: &crmv1.DecodeResult_Error{Error: &crmv1.Error{Kind: crmv1.Kind_KIND_INVALID, Message: "no contact"}}}),
	)

	DescribeTable("contactToProto",
		func(in Contact, want *crmv1.Contact) { Expect(contactToProto(in)).To(equalProto(want)) },
		Entry("nil tags and fields", Contact{Tags: nil, Fields: nil}, &crmv1.Contact{}),
		Entry("zero", Contact{}, &crmv1.Contact{}),
		Entry("id", Contact{ID: "7"}, &crmv1.Contact{Id: "7"}),
		Entry("email", Contact{Email: "a@example.com"}, &crmv1.Contact{Email: "a@example.com"}),
		Entry("tags", Contact{Tags: []Tag{{ID: "1", Name: "VIP"}, {ID: "2"}}}, &crmv1.Contact{Tags: []*crmv1.Tag{{Id: "1", Name: "VIP"}, {Id: "2"}}}),
		Entry("fields", Contact{Fields: map[string]string{"fieldFirstName": "Anna"}}, &crmv1.Contact{Fields: map[string]string{"fieldFirstName": "Anna"}}),
	)

	DescribeTable("fieldsToProto",
		func(in []Field, want []*crmv1.Field) {
			got := fieldsToProto(in)
			Expect(got).To(HaveLen(len(want)))
			for i := range want {
				Expect(got[i]).To(equalProto(want[i]))
			}
		},
		Entry("nil", nil, nil),
		Entry("zero", []Field{{}}, []*crmv1.Field{{}}),
		Entry("id", []Field{{ID: "fieldCity"}}, []*crmv1.Field{{Id: "fieldCity"}}),
		Entry("name", []Field{{Name: "City"}}, []*crmv1.Field{{Name: "City"}}),
	)

	DescribeTable("errorToProto",
		func(in error, want *crmv1.Error) { Expect(errorToProto(in)).To(equalProto(want)) },
		Entry("nil", nil, nil),
		Entry("a plain error is retryable", errors.New("boom"), &crmv1.Error{Kind: crmv1.Kind_KIND_RETRYABLE, Message: "boom"}),
		Entry("not found", NotFound("no contact %s", "7"), &crmv1.Error{Kind: crmv1.Kind_KIND_NOT_FOUND, Message: "no contact 7"}),
		Entry("invalid", Invalid("bad"), &crmv1.Error{Kind: crmv1.Kind_KIND_INVALID, Message: "bad"}),
		Entry("unauthenticated", Unauthenticated("denied"), &crmv1.Error{Kind: crmv1.Kind_KIND_UNAUTHENTICATED, Message: "denied"}),
		Entry("unsupported", Unsupported("no"), &crmv1.Error{Kind: crmv1.Kind_KIND_UNSUPPORTED, Message: "no"}),
		Entry("retry after", Retryable(errors.New("429"), 3*time.Second),
			&crmv1.Error{Kind: crmv1.Kind_KIND_RETRYABLE, Message: "429", RetryAfter: durationpb.New(3 * time.Second)}),
	)
})
