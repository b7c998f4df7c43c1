package sdktest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/crmhub/crmhub/sdk"
)

// checkingObserver is the observer of a CRM that checks requests at the
// door: embedding the CRM interface alone would hide CheckWebhook.
type checkingObserver struct {
	*observer
	checker sdk.WebhookChecker
}

func (o checkingObserver) CheckWebhook(ctx context.Context, req sdk.Request) (sdk.Verdict, error) {
	return o.checker.CheckWebhook(ctx, req)
}

// sdktestEventID is the event id the kit's webhooks carry when the fixture
// gives none.
const sdktestEventID = "sdktest-event"

// hubCopy is hook as the hub hands it to a plugin: fresh maps, header keys
// canonicalised as net/http does (the hub stores the headers net/http
// parsed), and an event id.
func hubCopy(hook sdk.RawWebhook) sdk.RawWebhook {
	return withHeader(hook, http.CanonicalHeaderKey)
}

// withHeader is a copy of hook whose header keys are spelled by key.
func withHeader(hook sdk.RawWebhook, key func(string) string) sdk.RawWebhook {
	out := hook
	if hook.Header != nil {
		out.Header = make(map[string][]string, len(hook.Header))
		for k, v := range hook.Header {
			k = key(k)
			out.Header[k] = append(out.Header[k], v...)
		}
	}
	if hook.Query != nil {
		out.Query = make(map[string][]string, len(hook.Query))
		for k, v := range hook.Query {
			out.Query[k] = append([]string(nil), v...)
		}
	}
	out.Body = append([]byte(nil), hook.Body...)
	if out.EventID == "" {
		out.EventID = sdktestEventID
	}
	return out
}

// doorRequest is hook as the hub's door hands it to CheckWebhook: the full
// URL with the access key, canonical header keys, a remote address.
func doorRequest(hook sdk.RawWebhook, crm string) sdk.Request {
	hook = hubCopy(hook)
	query := url.Values(hook.Query)
	if query == nil {
		query = url.Values{}
	}
	query.Set("access_key", "sdktest-access-key")
	return sdk.Request{
		Method:     hook.Method,
		URL:        "https://hub.example.com/hooks/" + crm + "?" + query.Encode(),
		Header:     hook.Header,
		Body:       hook.Body,
		RemoteAddr: "192.0.2.10:40000",
		ReceivedAt: hook.ReceivedAt,
	}
}

const canonicalAdvice = "the hub hands headers over with keys canonicalised as http.CanonicalHeaderKey does (e.g. \"X-Acme-Signature\"): read them with http.Header(h).Get, never by a key spelled otherwise"

// checkCanonicalHeaders decodes (and, for a checking plugin, checks) the
// valid webhook with header keys as the hub spells them, and tells a plugin
// that only understands another spelling what is wrong.
func checkCanonicalHeaders(ctx context.Context, kit Kit) error {
	if len(kit.ValidWebhook.Header) == 0 && len(kit.MultiWebhook.Header) == 0 {
		return nil // the CRM's webhooks carry no header the plugin reads
	}
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	spellings := []func(string) string{func(k string) string { return k }, strings.ToLower, strings.ToUpper}
	// otherwiseFine says whether the plugin would have been content with a
	// spelling of the header keys the hub never sends.
	otherwiseFine := func(try func(sdk.RawWebhook) bool, hook sdk.RawWebhook) bool {
		for _, spell := range spellings {
			if try(withHeader(hook, spell)) {
				return true
			}
		}
		return false
	}
	for _, f := range []struct {
		name string
		hook sdk.RawWebhook
		want []sdk.Item
	}{{"valid", kit.ValidWebhook, kit.WantItems}, {"multi-contact", kit.MultiWebhook, kit.WantMultiItems}} {
		if len(f.hook.Header) == 0 {
			continue
		}
		decodes := func(h sdk.RawWebhook) bool {
			got, err := s.DecodeWebhook(ctx, h)
			return err == nil && sameItems(got, f.want)
		}
		if !decodes(hubCopy(f.hook)) {
			if otherwiseFine(decodes, f.hook) {
				return fmt.Errorf("the %s webhook decodes with its header keys as the fixture spells them, but not as the hub does: %s", f.name, canonicalAdvice)
			}
			return fmt.Errorf("the %s webhook does not decode to its items with canonical header keys", f.name)
		}
	}
	info, err := s.Info(ctx)
	if err != nil || !info.Webhooks.Check {
		return err
	}
	accepts := func(h sdk.RawWebhook) bool {
		v, err := s.CheckWebhook(ctx, doorRequest(h, info.Name))
		return err == nil && v.Decision == sdk.DecisionAccept
	}
	if !accepts(kit.ValidWebhook) && otherwiseFine(func(h sdk.RawWebhook) bool {
		// doorRequest canonicalises; check the other spelling as given.
		req := doorRequest(h, info.Name)
		req.Header = h.Header
		v, err := s.CheckWebhook(ctx, req)
		return err == nil && v.Decision == sdk.DecisionAccept
	}, kit.ValidWebhook) {
		return fmt.Errorf("CheckWebhook accepts the valid request with its header keys as the fixture spells them, but not as the hub does: %s", canonicalAdvice)
	}
	return nil
}

func checkDecodeMulti(ctx context.Context, kit Kit) error {
	if kit.MultiWebhook.Method == "" && len(kit.WantMultiItems) == 0 {
		return nil // the CRM's webhooks name one contact each
	}
	if len(kit.WantMultiItems) < 2 {
		return fmt.Errorf("the fixtures' WantMultiItems has %d item(s): name every contact MultiWebhook is about (at least two)", len(kit.WantMultiItems))
	}
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	got, err := s.DecodeWebhook(ctx, hubCopy(kit.MultiWebhook))
	if err != nil {
		return fmt.Errorf("decoding the multi-contact webhook failed: %w", err)
	}
	if !sameItems(got, kit.WantMultiItems) {
		return fmt.Errorf("the multi-contact webhook decoded to %s, want %s: return one item per contact the request names, each is processed on its own",
			describeItems(got), describeItems(kit.WantMultiItems))
	}
	return nil
}

func checkDoor(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("Info failed: %w", err)
	}
	forged := kit.ForgedWebhook.Method != ""
	switch {
	case !info.Webhooks.Check && forged:
		return errors.New("the fixtures give a ForgedWebhook but the plugin does not implement sdk.WebhookChecker: the hub stores every request with the right access key, forged or not; implement CheckWebhook(ctx, sdk.Request) (sdk.Verdict, error)")
	case !info.Webhooks.Check:
		return nil // nothing is checked at the door
	case kit.Unsigned && forged:
		return errors.New("the fixtures say the CRM signs nothing (Unsigned) yet give a ForgedWebhook: give one or the other")
	case kit.Unsigned:
		return acceptsValid(ctx, s, kit, info.Name)
	case !forged:
		return errors.New("the plugin checks requests at the door but the fixtures give no ForgedWebhook: give the valid webhook with a wrong signature")
	}
	if err := acceptsValid(ctx, s, kit, info.Name); err != nil {
		return err
	}
	v, err := s.CheckWebhook(ctx, doorRequest(kit.ForgedWebhook, info.Name))
	switch {
	case err != nil:
		return fmt.Errorf("CheckWebhook of the forged request failed (%w): answer sdk.Reject with a reason, an error makes the hub answer 503 and the sender retry", err)
	case v.Decision != sdk.DecisionReject:
		return fmt.Errorf("CheckWebhook of the forged request answered %s: return sdk.Reject(reason), so the hub stores nothing and answers 401", decision(v))
	case v.Reason == "":
		return errors.New("CheckWebhook rejected the forged request without a reason: the hub counts and logs rejections by it")
	}
	return nil
}

// acceptsValid checks that the door takes the valid webhook.
func acceptsValid(ctx context.Context, s *session, kit Kit, crm string) error {
	v, err := s.CheckWebhook(ctx, doorRequest(kit.ValidWebhook, crm))
	switch {
	case err != nil:
		return fmt.Errorf("CheckWebhook of the valid request failed: %w", err)
	case v.Decision != sdk.DecisionAccept:
		return fmt.Errorf("CheckWebhook of the valid request answered %s (%q): accept what the CRM signed; check freshness against Request.ReceivedAt, never the clock", decision(v), v.Reason)
	}
	return nil
}

func decision(v sdk.Verdict) string {
	switch v.Decision {
	case sdk.DecisionAccept:
		return "accept"
	case sdk.DecisionAnswer:
		return fmt.Sprintf("answer %d", v.Answer.Status)
	case sdk.DecisionReject:
		return "reject"
	}
	return fmt.Sprintf("decision %d", v.Decision)
}

func checkDecodeOffline(ctx context.Context, kit Kit) error {
	if kit.CRMRequests == nil {
		return errors.New("the fixtures give no CRMRequests: give a func that returns how many requests the fake CRM API has served, so the kit can prove decoding never calls the CRM")
	}
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	batch := []sdk.RawWebhook{hubCopy(kit.ValidWebhook), hubCopy(kit.InvalidWebhook), {Method: "POST"}}
	if kit.MultiWebhook.Method != "" {
		batch = append(batch, hubCopy(kit.MultiWebhook))
	}
	before := kit.CRMRequests()
	if _, err := s.DecodeWebhooks(ctx, batch); err != nil {
		return fmt.Errorf("decoding a batch failed: %w", err)
	}
	if after := kit.CRMRequests(); after != before {
		return fmt.Errorf("decoding %d webhooks made %d request(s) to the CRM: decode from the request alone; the hub fetches contacts later, one at a time, with its own retries", len(batch), after-before)
	}
	return nil
}

func checkConfigureRefused(ctx context.Context, kit Kit) error {
	if kit.RefusedSettings == nil {
		return errors.New("the fixtures give no RefusedSettings: give well-formed settings the fake CRM refuses, e.g. a wrong API key")
	}
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	if err := wantKind(s.configure(ctx, kit.RefusedSettings), sdk.KindUnauthenticated, "Configure(refused settings)",
		"so the hub marks the CRM not configured and tries again later, instead of telling the operator the settings are malformed"); err != nil {
		return err
	}
	if _, err := s.GetContact(ctx, kit.KnownContact.ID); err != nil {
		return fmt.Errorf("GetContact(%q) failed after a refused Configure (%w): check new settings first and keep them only once the CRM accepts them", kit.KnownContact.ID, err)
	}
	return nil
}

// raceRounds is how often checkConfigureRace reconfigures the plugin.
const raceRounds = 20

// checkConfigureRace calls the plugin directly, in this process, so that
// the race detector sees every access: Configure again and again while
// GetContact and DecodeWebhook run. Under -race an unguarded swap of the
// settings fails the test binary; without -race the check still fails a
// plugin whose calls break while it is reconfigured.
func checkConfigureRace(ctx context.Context, kit Kit) error {
	crm := kit.New()
	info, err := crm.Info(ctx)
	if err != nil {
		return fmt.Errorf("Info failed: %w", err)
	}
	settings := withDefaults(info.Settings, kit.Settings)
	if err := crm.Configure(ctx, maps.Clone(settings)); err != nil {
		return fmt.Errorf("Configure with the fixture settings failed: %w", err)
	}
	done := make(chan struct{})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	calls := []func() error{
		func() error {
			_, err := crm.GetContact(ctx, kit.KnownContact.ID)
			return wrapIf(err, "GetContact(%q)", kit.KnownContact.ID)
		},
		func() error {
			_, err := crm.DecodeWebhook(ctx, hubCopy(kit.ValidWebhook))
			return wrapIf(err, "DecodeWebhook(the valid webhook)")
		},
	}
	for _, call := range calls {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := call(); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	for range raceRounds {
		if err := crm.Configure(ctx, maps.Clone(settings)); err != nil {
			fail(fmt.Errorf("Configure with the fixture settings failed while other calls ran: %w", err))
			break
		}
	}
	close(done)
	wg.Wait()
	if first != nil {
		return fmt.Errorf("%w, while Configure ran again: a live plugin is reconfigured while it serves calls; build the new state aside and swap it in under a lock", first)
	}
	return nil
}

func wrapIf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s failed: %w", fmt.Sprintf(format, args...), err)
}

// checkSecretsKept runs the error paths with the fixture's secret values,
// and with recognisable ones in their place, and scans every error text.
func checkSecretsKept(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, false)
	if err != nil {
		return err
	}
	defer s.stop()
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("Info failed: %w", err)
	}
	var secretNames []string
	for _, st := range info.Settings {
		if st.Secret {
			secretNames = append(secretNames, st.Name)
		}
	}
	if len(secretNames) == 0 {
		return nil
	}
	secrets := map[string]string{} // value → setting name
	collect := func(settings map[string]string) {
		for _, name := range secretNames {
			// Short values could be common words a message holds anyway.
			if v := settings[name]; len(v) >= 8 {
				secrets[v] = name
			}
		}
	}
	// marked is settings with each secret present replaced by a value the
	// scan recognises.
	marked := func(settings map[string]string) map[string]string {
		out := maps.Clone(settings)
		for _, name := range secretNames {
			if _, ok := out[name]; ok {
				out[name] = "sdktest-secret-" + rand.Text()[:10]
			}
		}
		collect(out)
		return out
	}
	for _, settings := range []map[string]string{kit.Settings, kit.BadSettings, kit.RefusedSettings} {
		collect(settings)
	}
	var texts []string
	note := func(call string, err error) {
		if err != nil {
			texts = append(texts, call+": "+err.Error())
		}
	}
	for _, c := range []struct {
		name     string
		settings map[string]string
	}{
		{"Configure(settings with other secret values)", marked(kit.Settings)},
		{"Configure(bad settings)", kit.BadSettings},
		{"Configure(bad settings with other secret values)", marked(kit.BadSettings)},
		{"Configure(refused settings)", kit.RefusedSettings},
		{"Configure(refused settings with other secret values)", marked(kit.RefusedSettings)},
	} {
		if c.settings != nil {
			note(c.name, s.configure(ctx, c.settings))
		}
	}
	if err := s.configure(ctx, kit.Settings); err != nil {
		return fmt.Errorf("Configure with the fixture settings failed: %w", err)
	}
	_, err = s.GetContact(ctx, kit.UnknownContactID)
	note("GetContact(unknown id)", err)
	_, err = s.FindContact(ctx, unknownEmail)
	note("FindContact(unknown e-mail)", err)
	if kit.UpdateField != "" {
		note("UpdateContact(unknown id)", s.UpdateContact(ctx, kit.UnknownContactID, map[string]string{kit.UpdateField: "x"}))
	}
	_, err = s.DecodeWebhook(ctx, hubCopy(kit.InvalidWebhook))
	note("DecodeWebhook(the invalid webhook)", err)
	_, err = s.DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST"})
	note("DecodeWebhook(an empty POST)", err)
	if info.Webhooks.Check && kit.ForgedWebhook.Method != "" {
		v, err := s.CheckWebhook(ctx, doorRequest(kit.ForgedWebhook, info.Name))
		note("CheckWebhook(the forged request)", err)
		if v.Reason != "" {
			texts = append(texts, "CheckWebhook(the forged request)'s reject reason: "+v.Reason)
		}
	}
	for _, text := range texts {
		for value, name := range secrets {
			if strings.Contains(text, value) {
				return fmt.Errorf("%s quotes the value of the secret setting %q: never put a secret into an error message or a reason; name the setting instead", strings.SplitN(text, ": ", 2)[0], name)
			}
		}
	}
	return nil
}
