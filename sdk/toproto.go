package sdk

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// The plugin side encodes its answers with these functions; sdk/pluginclient
// holds their inverses. Each is safe on the zero value.

func infoToProto(i Info) *crmv1.InfoResponse {
	settings := make([]*crmv1.Setting, 0, len(i.Settings))
	for _, s := range i.Settings {
		settings = append(settings, &crmv1.Setting{
			Name:        s.Name,
			Description: s.Description,
			Required:    s.Required,
			Secret:      s.Secret,
		})
	}
	return &crmv1.InfoResponse{
		Name:            i.Name,
		DisplayName:     i.DisplayName,
		Version:         i.Version,
		ProtocolVersion: int32(i.ProtocolVersion),
		Capabilities:    i.Capabilities,
		Settings:        settings,
	}
}

func decodeResultToProto(d Decoded, err error) *crmv1.DecodeResult {
	if err != nil {
		return &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Error{Error: errorToProto(err)}}
	}
	return &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Decoded{Decoded: &crmv1.Decoded{
		ContactId: d.ContactID,
		Email:     d.Email,
	}}}
}

func contactToProto(c Contact) *crmv1.Contact {
	return &crmv1.Contact{
		Id:     c.ID,
		Email:  c.Email,
		Tags:   tagsToProto(c.Tags),
		Fields: c.Fields,
	}
}

func tagsToProto(tags []Tag) []*crmv1.Tag {
	out := make([]*crmv1.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, &crmv1.Tag{Id: t.ID, Name: t.Name})
	}
	return out
}

func fieldsToProto(fields []Field) []*crmv1.Field {
	out := make([]*crmv1.Field, 0, len(fields))
	for _, f := range fields {
		out = append(out, &crmv1.Field{Id: f.ID, Name: f.Name})
	}
	return out
}

// errorToProto keeps what the host needs of an error: its kind, its
// message and the retry delay it asks for. Nil stays nil.
func errorToProto(err error) *crmv1.Error {
	if err == nil {
		return nil
	}
	out := &crmv1.Error{Kind: kindToProto(KindOf(err)), Message: err.Error()}
	if after, ok := RetryAfter(err); ok {
		out.RetryAfter = durationpb.New(after.Round(time.Millisecond))
	}
	return out
}

func kindToProto(k Kind) crmv1.Kind {
	switch k {
	case KindNotFound:
		return crmv1.Kind_KIND_NOT_FOUND
	case KindInvalid:
		return crmv1.Kind_KIND_INVALID
	case KindUnauthenticated:
		return crmv1.Kind_KIND_UNAUTHENTICATED
	case KindUnsupported:
		return crmv1.Kind_KIND_UNSUPPORTED
	default:
		return crmv1.Kind_KIND_RETRYABLE
	}
}
