package sdktest_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/example/acme"
	"github.com/crmhub/crmhub/sdk/example/acme/acmetest"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

// The broken plugins below are the example plugin with one mistake each,
// the kind an author makes; every protocol-2 check must catch its own.

// nonCanonical reads a header by the key Acme's docs spell, "X-ACME-Event",
// where the hub hands over "X-Acme-Event".
type nonCanonical struct{ *acme.Plugin }

func (p nonCanonical) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	if len(hook.Header["X-ACME-Event"]) == 0 {
		return nil, sdk.Invalid("no X-ACME-Event header")
	}
	// The rest of the plugin reads as it should: give it a copy it can.
	header := http.Header{}
	for k, v := range hook.Header {
		header[http.CanonicalHeaderKey(k)] = v
	}
	hook.Header = header
	return p.Plugin.DecodeWebhook(ctx, hook)
}

// racy keeps a copy of its settings that Configure swaps without a lock.
type racy struct {
	*acme.Plugin
	settings sdk.Settings
}

func (p *racy) Configure(ctx context.Context, settings sdk.Settings) error {
	if err := p.Plugin.Configure(ctx, settings); err != nil {
		return err
	}
	p.settings = settings
	return nil
}

func (p *racy) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	if p.settings["base_url"] == "" {
		return sdk.Contact{}, sdk.Unauthenticated("not configured")
	}
	return p.Plugin.GetContact(ctx, id)
}

// callingDecoder looks each contact up while it decodes.
type callingDecoder struct{ *acme.Plugin }

func (p callingDecoder) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	items, err := p.Plugin.DecodeWebhook(ctx, hook)
	for i, it := range items {
		if c, err := p.GetContact(ctx, it.ContactID); err == nil {
			items[i].Contact = &c
		}
	}
	return items, err
}

// refusedAsInvalid reports refused credentials as bad settings.
type refusedAsInvalid struct{ *acme.Plugin }

func (p refusedAsInvalid) Configure(ctx context.Context, settings sdk.Settings) error {
	err := p.Plugin.Configure(ctx, settings)
	if sdk.IsUnauthenticated(err) {
		return sdk.Invalid("api_key rejected: %v", err)
	}
	return err
}

// leakySecrets names the key it was given in its error.
type leakySecrets struct{ *acme.Plugin }

func (p leakySecrets) Configure(ctx context.Context, settings sdk.Settings) error {
	if err := p.Plugin.Configure(ctx, settings); err != nil {
		return fmt.Errorf("configure with api_key %s: %w", settings.String("api_key"), err)
	}
	return nil
}

// credulous accepts every request at the door.
type credulous struct{ *acme.Plugin }

func (credulous) CheckWebhook(context.Context, sdk.Request) (sdk.Verdict, error) {
	return sdk.Accept(), nil
}

// firstOnly keeps only the first contact of a request.
type firstOnly struct{ *acme.Plugin }

func (p firstOnly) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	items, err := p.Plugin.DecodeWebhook(ctx, hook)
	return items[:min(len(items), 1)], err
}

// check is the kit's check with this name.
func check(name string) sdktest.Check {
	for _, c := range sdktest.Checks() {
		if c.Name == name {
			return c
		}
	}
	Fail("sdktest has no check named " + name)
	return sdktest.Check{}
}

var _ = Describe("the conformance kit's protocol-2 checks", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake := acmefake.New()
		DeferCleanup(fake.Close)
		kit = acmetest.Kit(fake)
	})

	DescribeTable("fail a plugin with one mistake, saying what to fix",
		func(ctx SpecContext, name string, broken func() sdk.CRM, advice string) {
			Expect(check(name).Run(ctx, kit)).To(Succeed(), "the example plugin passes")
			kit.New = broken
			err := check(name).Run(ctx, kit)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(advice))
		},
		Entry("a header read by a non-canonical key", "headers are read by the keys the hub hands over, canonicalised as net/http does",
			func() sdk.CRM { return nonCanonical{acme.New()} },
			"the valid webhook decodes with its header keys as the fixture spells them, but not as the hub does: the hub hands headers over with keys canonicalised as http.CanonicalHeaderKey does"),
		Entry("DecodeWebhooks calling the CRM", "DecodeWebhooks does not call the CRM",
			func() sdk.CRM { return callingDecoder{acme.New()} },
			"request(s) to the CRM: decode from the request alone"),
		Entry("refused credentials reported as Invalid", "Configure reports refused credentials as Unauthenticated and keeps the previous settings",
			func() sdk.CRM { return refusedAsInvalid{acme.New()} },
			"Configure(refused settings) failed with a invalid error"),
		Entry("a secret value in an error message", "no error message quotes a secret setting's value",
			func() sdk.CRM { return leakySecrets{acme.New()} },
			`quotes the value of the secret setting "api_key": never put a secret into an error message`),
		Entry("a forged request accepted", "CheckWebhook accepts the valid request and rejects the forged one",
			func() sdk.CRM { return credulous{acme.New()} },
			"CheckWebhook of the forged request answered accept: return sdk.Reject(reason)"),
		Entry("a multi-contact request reduced to one item", "a webhook naming several contacts decodes to one item each",
			func() sdk.CRM { return firstOnly{acme.New()} },
			"the multi-contact webhook decoded to 1 item(s)"),
	)

	It("fails a plugin that implements no door check while the fixtures forge a request", func(ctx SpecContext) {
		kit.New = func() sdk.CRM { return struct{ sdk.CRM }{acme.New()} } // hides CheckWebhook
		Expect(check("CheckWebhook accepts the valid request and rejects the forged one").Run(ctx, kit)).To(
			MatchError(ContainSubstring("the plugin does not implement sdk.WebhookChecker")))
	})

	It("hands the plugin headers exactly as the hub stores them", func(ctx SpecContext) {
		var seen map[string][]string
		kit.New = func() sdk.CRM { return &headerSpy{Plugin: acme.New(), seen: &seen} }
		Expect(check("a valid webhook decodes to its contact").Run(ctx, kit)).To(Succeed())
		for key := range seen {
			Expect(key).To(Equal(http.CanonicalHeaderKey(key)))
		}
		Expect(seen).To(HaveKey("X-Acme-Event"))
	})

	It("fails a plugin that swaps its settings without a lock, under the race detector", func(ctx SpecContext) {
		if !raceEnabled {
			Skip("the race detector is off; make test runs every suite with --race")
		}
		run := func(plugin string) (string, error) {
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestConfigureRaceChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "SDKTEST_RACE_CHILD="+plugin)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		out, err := run("example")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("--- PASS: TestConfigureRaceChild"))

		out, err = run("racy")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("WARNING: DATA RACE"))
		Expect(out).To(ContainSubstring("(*racy).Configure"))
	})
})

// headerSpy records the headers the plugin is handed.
type headerSpy struct {
	*acme.Plugin
	seen *map[string][]string
}

func (p *headerSpy) DecodeWebhook(ctx context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	*p.seen = hook.Header
	return p.Plugin.DecodeWebhook(ctx, hook)
}

// TestConfigureRaceChild runs the kit's race check in a child process (the
// spec above starts it), since a data race fails the whole test binary.
func TestConfigureRaceChild(t *testing.T) {
	plugin := os.Getenv("SDKTEST_RACE_CHILD")
	if plugin == "" {
		t.Skip("started by the spec on the race check")
	}
	fake := acmefake.New()
	defer fake.Close()
	kit := acmetest.Kit(fake)
	if plugin == "racy" {
		kit.New = func() sdk.CRM { return &racy{Plugin: acme.New()} }
	}
	for _, c := range sdktest.Checks() {
		if c.Name == "Configure can run while other calls do" {
			if err := c.Run(context.Background(), kit); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no race check")
}
