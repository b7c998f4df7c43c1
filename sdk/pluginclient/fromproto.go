package pluginclient

import (
	"github.com/crmhub/crmhub/sdk"
	crmv1 "github.com/crmhub/crmhub/sdk/proto"
)

// The host decodes a plugin's answers with these functions; package sdk
// holds their inverses. Each is safe on nil and returns non-nil slices and
// maps, so callers need no nil checks.

func infoFromProto(r *crmv1.InfoResponse) sdk.Info {
	settings := make([]sdk.Setting, 0, len(r.GetSettings()))
	for _, s := range r.GetSettings() {
		settings = append(settings, sdk.Setting{
			Name:        s.GetName(),
			Description: s.GetDescription(),
			Type:        sdk.SettingType(s.GetType()),
			Values:      append([]string(nil), s.GetValues()...),
			Default:     s.GetDefaultValue(),
			Required:    s.GetRequired(),
			Secret:      s.GetSecret(),
		})
	}
	profile := r.GetWebhooks()
	return sdk.Info{
		Name:            r.GetName(),
		DisplayName:     r.GetDisplayName(),
		Version:         r.GetVersion(),
		ProtocolVersion: int(r.GetProtocolVersion()),
		Capabilities:    append([]string{}, r.GetCapabilities()...),
		Settings:        settings,
		Webhooks: sdk.WebhookProfile{
			Check:         profile.GetCheck(),
			Ack:           answerFromProto(profile.GetAck()),
			DefaultAction: sdk.Action(profile.GetDefaultAction()),
		},
	}
}

func answerFromProto(a *crmv1.Answer) sdk.Answer {
	return sdk.Answer{Status: int(a.GetStatus()), ContentType: a.GetContentType(), Body: a.GetBody()}
}

func verdictFromProto(r *crmv1.CheckWebhookResponse) sdk.Verdict {
	v := sdk.Verdict{Answer: answerFromProto(r.GetAnswer()), Reason: r.GetReason()}
	switch r.GetDecision() {
	case crmv1.Decision_DECISION_ANSWER:
		v.Decision = sdk.DecisionAnswer
	case crmv1.Decision_DECISION_REJECT:
		v.Decision = sdk.DecisionReject
	default:
		v.Decision = sdk.DecisionAccept
	}
	return v
}

func decodeResultFromProto(r *crmv1.DecodeResult) DecodeResult {
	if e := r.GetError(); e != nil {
		return DecodeResult{Err: errorFromProto(e)}
	}
	list := r.GetItems()
	if list == nil {
		return DecodeResult{Err: &sdk.Error{Kind: sdk.KindInvalid, Message: "plugin returned no result for this webhook"}}
	}
	items := make([]sdk.Item, 0, len(list.GetItems()))
	for _, it := range list.GetItems() {
		item := sdk.Item{
			ContactID: it.GetContactId(),
			Email:     it.GetEmail(),
			Action:    sdk.Action(it.GetAction()),
			Reason:    it.GetReason(),
			Notes:     append([]string(nil), it.GetNotes()...),
		}
		if it.GetContact() != nil {
			c := contactFromProto(it.GetContact())
			item.Contact = &c
		}
		items = append(items, item)
	}
	return DecodeResult{Items: items}
}

func contactFromProto(c *crmv1.Contact) sdk.Contact {
	fields := make(map[string]string, len(c.GetFields()))
	for k, v := range c.GetFields() {
		fields[k] = v
	}
	return sdk.Contact{
		ID:     c.GetId(),
		Email:  c.GetEmail(),
		Tags:   tagsFromProto(c.GetTags()),
		Fields: fields,
	}
}

func tagsFromProto(tags []*crmv1.Tag) []sdk.Tag {
	out := make([]sdk.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, sdk.Tag{ID: t.GetId(), Name: t.GetName()})
	}
	return out
}

func fieldsFromProto(fields []*crmv1.Field) []sdk.Field {
	out := make([]sdk.Field, 0, len(fields))
	for _, f := range fields {
		out = append(out, sdk.Field{ID: f.GetId(), Name: f.GetName()})
	}
	return out
}

// errorFromProto rebuilds a plugin's error; nil stays nil.
func errorFromProto(e *crmv1.Error) *sdk.Error {
	if e == nil {
		return nil
	}
	return &sdk.Error{
		Kind:       kindFromProto(e.GetKind()),
		Message:    e.GetMessage(),
		RetryAfter: e.GetRetryAfter().AsDuration(),
	}
}

func kindFromProto(k crmv1.Kind) sdk.Kind {
	switch k {
	case crmv1.Kind_KIND_NOT_FOUND:
		return sdk.KindNotFound
	case crmv1.Kind_KIND_INVALID:
		return sdk.KindInvalid
	case crmv1.Kind_KIND_UNAUTHENTICATED:
		return sdk.KindUnauthenticated
	case crmv1.Kind_KIND_UNSUPPORTED:
		return sdk.KindUnsupported
	default:
		return sdk.KindRetryable
	}
}
