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
			Name:         s.Name,
			Description:  s.Description,
			Required:     s.Required,
			Secret:       s.Secret,
			Type:         string(s.Type),
			Values:       s.Values,
			DefaultValue: s.Default,
		})
	}
	return &crmv1.InfoResponse{
		Name:            i.Name,
		DisplayName:     i.DisplayName,
		Version:         i.Version,
		ProtocolVersion: int32(i.ProtocolVersion),
		Capabilities:    i.Capabilities,
		Settings:        settings,
		Webhooks:        profileToProto(i.Webhooks),
	}
}

// profileToProto leaves the zero profile (KlickTipp's kind) unset.
func profileToProto(p WebhookProfile) *crmv1.WebhookProfile {
	if !p.Check && p.DefaultAction == "" && p.Ack.Status == 0 {
		return nil
	}
	return &crmv1.WebhookProfile{
		Check:         p.Check,
		Ack:           answerToProto(p.Ack),
		DefaultAction: string(p.DefaultAction),
	}
}

func answerToProto(a Answer) *crmv1.Answer {
	return &crmv1.Answer{Status: int32(a.Status), ContentType: a.ContentType, Body: a.Body}
}

func verdictToProto(v Verdict) *crmv1.CheckWebhookResponse {
	decision := crmv1.Decision_DECISION_ACCEPT
	switch v.Decision {
	case DecisionAnswer:
		decision = crmv1.Decision_DECISION_ANSWER
	case DecisionReject:
		decision = crmv1.Decision_DECISION_REJECT
	}
	return &crmv1.CheckWebhookResponse{Decision: decision, Answer: answerToProto(v.Answer), Reason: v.Reason}
}

func decodeResultToProto(items []Item, err error) *crmv1.DecodeResult {
	if err != nil {
		return &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Error{Error: errorToProto(err)}}
	}
	out := make([]*crmv1.Item, 0, len(items))
	for _, it := range items {
		item := &crmv1.Item{
			ContactId: it.ContactID,
			Email:     it.Email,
			Action:    string(it.Action),
			Reason:    it.Reason,
			Notes:     it.Notes,
		}
		if it.Contact != nil {
			item.Contact = contactToProto(*it.Contact)
		}
		out = append(out, item)
	}
	return &crmv1.DecodeResult{Result: &crmv1.DecodeResult_Items{Items: &crmv1.Items{Items: out}}}
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
