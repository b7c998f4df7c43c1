package sdktest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/pluginclient"
)

// defaultPatience is Kit.Patience when none is given.
const defaultPatience = 10 * time.Second

// unknownEmail is an address no CRM account has (.invalid is reserved).
const unknownEmail = "sdktest-nobody@example.invalid"

var pluginName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// session is one fresh plugin served over gRPC, seen through an observer.
type session struct {
	*pluginclient.Client
	seen   *observer
	stop   func()
	schema []sdk.Setting // Info.Settings, for their defaults
}

// configure calls Configure as the hub does: with the defaults of
// Info.Settings filled in where given leaves a setting empty.
func (s *session) configure(ctx context.Context, given map[string]string) error {
	return s.Configure(ctx, withDefaults(s.schema, given))
}

// withDefaults is given with the schema's defaults filled in.
func withDefaults(schema []sdk.Setting, given map[string]string) sdk.Settings {
	out := make(sdk.Settings, len(given))
	for k, v := range given {
		out[k] = v
	}
	for _, st := range schema {
		if out[st.Name] == "" && st.Default != "" {
			out[st.Name] = st.Default
		}
	}
	return out
}

// connect serves a fresh CRM from kit.New and, when configure is set,
// configures it with the fixture settings.
func connect(ctx context.Context, kit Kit, configure bool) (*session, error) {
	crm := kit.New()
	seen := &observer{CRM: crm, entered: make(chan context.Context, 1), returned: make(chan error, 1)}
	var served sdk.CRM = seen
	if checker, ok := crm.(sdk.WebhookChecker); ok {
		// Keep the plugin's door check visible through the observer.
		served = checkingObserver{observer: seen, checker: checker}
	}
	client, stop, err := Serve(served)
	if err != nil {
		return nil, err
	}
	s := &session{Client: client, seen: seen, stop: stop}
	if info, err := crm.Info(ctx); err == nil {
		s.schema = info.Settings
	}
	if configure {
		if err := s.configure(ctx, kit.Settings); err != nil {
			stop()
			return nil, fmt.Errorf("Configure with the fixture settings failed: %w", err)
		}
	}
	return s, nil
}

func checkInfo(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, false)
	if err != nil {
		return err
	}
	defer s.stop()
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("Info failed before Configure (%w): Info must work without settings", err)
	}
	var problems []error
	fail := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if !pluginName.MatchString(info.Name) {
		fail("Info.Name %q: use lower case letters, digits and dashes, e.g. \"klicktipp\"", info.Name)
	}
	if info.DisplayName == "" {
		fail("Info.DisplayName is empty: give the CRM's name as people write it, e.g. \"KlickTipp\"")
	}
	if info.Version == "" {
		fail("Info.Version is empty: give the plugin's version, e.g. \"1.0.0\"")
	}
	if info.ProtocolVersion != sdk.ProtocolVersion {
		fail("the plugin speaks protocol %d, this SDK %d: build the plugin with this SDK", info.ProtocolVersion, sdk.ProtocolVersion)
	}
	declared := map[string]sdk.Setting{}
	for _, st := range info.Settings {
		switch {
		case st.Name == "":
			fail("Info.Settings has a setting without a name")
		case declared[st.Name].Name != "":
			fail("Info.Settings declares %q twice", st.Name)
		}
		declared[st.Name] = st
		if looksSecret(st.Name) && !st.Secret {
			fail("setting %q looks secret: mark it Secret so the hub redacts it", st.Name)
		}
		if st.Required && kit.Settings[st.Name] == "" {
			fail("setting %q is Required but the fixture settings leave it empty", st.Name)
		}
	}
	for key := range kit.Settings {
		if _, ok := declared[key]; !ok {
			fail("fixture setting %q is not declared in Info.Settings: declare every key Configure reads", key)
		}
	}
	return errors.Join(problems...)
}

func looksSecret(name string) bool {
	name = strings.ToLower(name)
	for _, word := range []string{"password", "secret", "token", "key"} {
		if strings.Contains(name, word) {
			return true
		}
	}
	return false
}

func checkConfigureAccepts(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	s.stop()
	return nil
}

func checkConfigureRejects(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, false)
	if err != nil {
		return err
	}
	defer s.stop()
	if err := wantKind(s.configure(ctx, kit.BadSettings), sdk.KindInvalid, "Configure(bad settings)",
		"so the hub marks the CRM not configured and tells the operator, instead of retrying"); err != nil {
		return err
	}
	if err := s.configure(ctx, kit.Settings); err != nil {
		return fmt.Errorf("Configure with the fixture settings failed after a rejected Configure (%w): a plugin is reconfigured while it runs", err)
	}
	return nil
}

// wantKind checks that err is an *sdk.Error of kind want; why says what
// the right kind buys the hub.
func wantKind(err error, want sdk.Kind, call, why string) error {
	builder := map[sdk.Kind]string{
		sdk.KindNotFound: "sdk.NotFound", sdk.KindInvalid: "sdk.Invalid",
		sdk.KindUnauthenticated: "sdk.Unauthenticated", sdk.KindUnsupported: "sdk.Unsupported",
	}[want]
	switch {
	case err == nil:
		return fmt.Errorf("%s succeeded: return %s, %s", call, builder, why)
	case sdk.KindOf(err) != want:
		return fmt.Errorf("%s failed with a %s error (%v): return %s, %s", call, sdk.KindOf(err), err, builder, why)
	}
	return nil
}

func checkDecodeValid(ctx context.Context, kit Kit) error {
	if len(kit.WantItems) == 0 {
		return errors.New("the fixtures' WantItems is empty: name the contacts ValidWebhook is about")
	}
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	got, err := s.DecodeWebhook(ctx, hubCopy(kit.ValidWebhook))
	if err != nil {
		return fmt.Errorf("decoding the valid webhook failed: %w", err)
	}
	if !sameItems(got, kit.WantItems) {
		return fmt.Errorf("the valid webhook decoded to %s, want %s", describeItems(got), describeItems(kit.WantItems))
	}
	return nil
}

const invalidWhy = "with a reason: the hub fails such a webhook at once instead of retrying one that can never be read"

func checkDecodeInvalid(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	_, err = s.DecodeWebhook(ctx, hubCopy(kit.InvalidWebhook))
	return wantKind(err, sdk.KindInvalid, "decoding the invalid webhook", invalidWhy)
}

func checkDecodeEmpty(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	_, err = s.DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST"})
	return wantKind(err, sdk.KindInvalid, "decoding an empty POST", invalidWhy)
}

func checkDecodeBatch(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	batch := []sdk.RawWebhook{hubCopy(kit.ValidWebhook), hubCopy(kit.InvalidWebhook), hubCopy(kit.ValidWebhook), {Method: "POST"}}
	results, err := s.DecodeWebhooks(ctx, batch)
	if err != nil {
		return fmt.Errorf("decoding a batch failed as a whole (%w): a bad webhook must fail only itself", err)
	}
	if len(results) != len(batch) {
		return fmt.Errorf("a batch of %d webhooks got %d results", len(batch), len(results))
	}
	for i, r := range results {
		valid := i%2 == 0
		switch {
		case valid && (r.Err != nil || !sameItems(r.Items, kit.WantItems)):
			return fmt.Errorf("webhook %d of the batch (the valid one) gave %s, %v; want %s", i, describeItems(r.Items), r.Err, describeItems(kit.WantItems))
		case !valid && !sdk.IsInvalid(r.Err):
			return fmt.Errorf("webhook %d of the batch (an invalid one) gave %s, %v; want an Invalid error", i, describeItems(r.Items), r.Err)
		}
	}
	return nil
}

func checkGetKnown(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	want := kit.KnownContact
	got, err := s.GetContact(ctx, want.ID)
	if err != nil {
		return fmt.Errorf("GetContact(%q) of the known contact failed: %w", want.ID, err)
	}
	var problems []error
	if got.ID != want.ID {
		problems = append(problems, fmt.Errorf("GetContact(%q) returned ID %q: return the id the contact was asked by", want.ID, got.ID))
	}
	if !strings.EqualFold(got.Email, want.Email) {
		problems = append(problems, fmt.Errorf("GetContact(%q) returned e-mail %q, want %q", want.ID, got.Email, want.Email))
	}
	if want.Tags != nil && !sameTags(got.Tags, want.Tags) {
		problems = append(problems, fmt.Errorf("GetContact(%q) returned tags %v, want %v", want.ID, got.Tags, want.Tags))
	}
	for field, value := range want.Fields {
		if got.Fields[field] != value {
			problems = append(problems, fmt.Errorf("GetContact(%q) returned field %s = %q, want %q", want.ID, field, got.Fields[field], value))
		}
	}
	return errors.Join(problems...)
}

// sameTags compares tags as sets, by id, and by name where want has one.
func sameTags(got, want []sdk.Tag) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g sdk.Tag) bool { return g.ID == w.ID && (w.Name == "" || g.Name == w.Name) }) {
			return false
		}
	}
	return true
}

const notFoundWhy = "so the hub ends the event as contact_not_found instead of retrying it"

func checkGetUnknown(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	_, err = s.GetContact(ctx, kit.UnknownContactID)
	return wantKind(err, sdk.KindNotFound, fmt.Sprintf("GetContact(%q) of an unknown id", kit.UnknownContactID), notFoundWhy)
}

func checkFind(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	id, err := s.FindContact(ctx, kit.KnownContact.Email)
	if err != nil {
		return fmt.Errorf("FindContact(%q) of the known contact failed: %w", kit.KnownContact.Email, err)
	}
	if id != kit.KnownContact.ID {
		return fmt.Errorf("FindContact(%q) returned %q, want %q", kit.KnownContact.Email, id, kit.KnownContact.ID)
	}
	_, err = s.FindContact(ctx, unknownEmail)
	return wantKind(err, sdk.KindNotFound, fmt.Sprintf("FindContact(%q)", unknownEmail), "when no contact has the address")
}

func checkTagsListed(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	tags, err := s.ListTags(ctx)
	if err != nil {
		return fmt.Errorf("ListTags failed: %w", err)
	}
	listed := map[string]bool{}
	for _, t := range tags {
		if t.ID == "" {
			return fmt.Errorf("ListTags returned a tag without an id (%+v)", t)
		}
		listed[t.ID] = true
	}
	contact, err := s.GetContact(ctx, kit.KnownContact.ID)
	if err != nil {
		return fmt.Errorf("GetContact(%q) of the known contact failed: %w", kit.KnownContact.ID, err)
	}
	for _, t := range contact.Tags {
		if !listed[t.ID] {
			return fmt.Errorf("the known contact has tag %q (%s) that ListTags does not return: list every tag a contact can carry", t.ID, t.Name)
		}
	}
	return nil
}

func checkFields(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	fields, err := s.ListFields(ctx)
	if err != nil {
		return fmt.Errorf("ListFields failed: %w", err)
	}
	for _, f := range fields {
		if f.ID == "" {
			return fmt.Errorf("ListFields returned a field without an id (%+v)", f)
		}
	}
	if kit.UpdateField != "" && !slices.ContainsFunc(fields, func(f sdk.Field) bool { return f.ID == kit.UpdateField }) {
		return fmt.Errorf("the fixtures' UpdateField %q is not among ListFields", kit.UpdateField)
	}
	return nil
}

func checkUpdate(ctx context.Context, kit Kit) error {
	if kit.UpdateField == "" {
		return nil
	}
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	id, field, value := kit.KnownContact.ID, kit.UpdateField, "sdktest-"+rand.Text()[:8]
	before, err := s.GetContact(ctx, id)
	if err != nil {
		return fmt.Errorf("GetContact(%q) of the known contact failed: %w", id, err)
	}
	// Put the old value back, so checks that run later see the fixture.
	defer s.UpdateContact(ctx, id, map[string]string{field: before.Fields[field]}) //nolint:errcheck // best effort
	if err := s.UpdateContact(ctx, id, map[string]string{field: value}); err != nil {
		return fmt.Errorf("UpdateContact(%q, %s=%q) failed: %w", id, field, value, err)
	}
	got, err := s.GetContact(ctx, id)
	if err != nil {
		return fmt.Errorf("GetContact(%q) after UpdateContact failed: %w", id, err)
	}
	if got.Fields[field] != value {
		return fmt.Errorf("UpdateContact wrote %s=%q but GetContact reads %q", field, value, got.Fields[field])
	}
	for other, want := range before.Fields {
		if other != field && got.Fields[other] != want {
			return fmt.Errorf("UpdateContact of %s changed field %s to %q: leave fields that are not named alone", field, other, got.Fields[other])
		}
	}
	err = s.UpdateContact(ctx, kit.UnknownContactID, map[string]string{field: value})
	return wantKind(err, sdk.KindNotFound, fmt.Sprintf("UpdateContact(%q) of an unknown id", kit.UnknownContactID), notFoundWhy)
}

// sameItems compares items by what names the contact and the action, and
// by the carried contact (its id and e-mail) and the notes where want has
// them.
func sameItems(got, want []sdk.Item) bool {
	return slices.EqualFunc(got, want, func(a, b sdk.Item) bool {
		same := a.ContactID == b.ContactID && a.Email == b.Email && a.Action == b.Action && a.Reason == b.Reason
		if b.Contact != nil {
			same = same && a.Contact != nil && a.Contact.ID == b.Contact.ID && strings.EqualFold(a.Contact.Email, b.Contact.Email)
		}
		if b.Notes != nil {
			same = same && slices.Equal(a.Notes, b.Notes)
		}
		return same
	})
}

func describeItems(items []sdk.Item) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		carried := ""
		if it.Contact != nil {
			carried = fmt.Sprintf(", carrying contact %q", it.Contact.ID)
		}
		parts = append(parts, fmt.Sprintf("{contact %q, e-mail %q, action %q, reason %q%s, notes %q}", it.ContactID, it.Email, it.Action, it.Reason, carried, it.Notes))
	}
	return fmt.Sprintf("%d item(s) %s", len(items), strings.Join(parts, " "))
}
