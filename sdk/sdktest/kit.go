package sdktest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// Kit is what the conformance checks need from a plugin's test.
type Kit struct {
	// New returns a fresh, unconfigured CRM; each check starts with one.
	New func() sdk.CRM
	Fixtures
	// Patience bounds how long the kit waits for a call that should already
	// have ended (e.g. after its deadline) before it fails the check; zero
	// means 10s. It is a limit, not a measure of speed.
	Patience time.Duration
}

func (k Kit) patience() time.Duration {
	if k.Patience > 0 {
		return k.Patience
	}
	return defaultPatience
}

// Fixtures are facts about the CRM account the plugin talks to in the test
// (normally the test's own fake of the CRM's API).
type Fixtures struct {
	// Settings make Configure succeed.
	Settings map[string]string
	// BadSettings must make Configure fail with sdk.Invalid.
	BadSettings map[string]string
	// RefusedSettings are well-formed settings the CRM refuses, e.g. a
	// wrong API key: Configure must fail with sdk.Unauthenticated (not
	// Invalid), and the plugin must keep working with its previous settings.
	RefusedSettings map[string]string
	// KnownContact is a contact the CRM has. GetContact must return its
	// ID, Email and (when given) Tags, and every field given in Fields
	// with the same value; other fields may be present too.
	KnownContact sdk.Contact
	// UnknownContactID is an id the CRM does not have.
	UnknownContactID string
	// ValidWebhook is a webhook the CRM would send; it must decode to
	// WantItems (compared by contact id, e-mail, action and reason, and by
	// the carried contact's id and e-mail and the notes where WantItems has
	// them). The kit hands it over as the hub does: header keys
	// canonicalised as http.CanonicalHeaderKey does, whatever the fixture
	// wrote. Give ReceivedAt a fixed time in the past, so a plugin that
	// checks freshness against the clock instead of ReceivedAt fails.
	// A plugin that implements sdk.WebhookChecker must accept it.
	ValidWebhook sdk.RawWebhook
	WantItems    []sdk.Item
	// InvalidWebhook carries no usable contact: it must decode to
	// sdk.Invalid.
	InvalidWebhook sdk.RawWebhook
	// ForgedWebhook is the valid webhook with a wrong signature (or a
	// foreign account, a stale timestamp): CheckWebhook must reject it.
	// Required when the plugin implements sdk.WebhookChecker; given for a
	// plugin that does not, it fails the kit, since the hub would store it.
	ForgedWebhook sdk.RawWebhook
	// Unsigned, for a plugin that checks at the door only to answer the
	// CRM's handshakes (e.g. a validation GET) because the CRM signs
	// nothing, says so: the kit then wants the valid webhook accepted and
	// no ForgedWebhook.
	Unsigned bool
	// MultiWebhook is a webhook that names several contacts; it must decode
	// to WantMultiItems, one item per contact (at least two). Leave both
	// empty only when the CRM's webhooks never name more than one contact.
	MultiWebhook   sdk.RawWebhook
	WantMultiItems []sdk.Item
	// CRMRequests returns how many requests the CRM's API (the test's
	// fake) has served so far. The kit reads it around DecodeWebhooks to
	// prove that decoding never calls the CRM.
	CRMRequests func() int
	// UpdateField is a field of KnownContact that UpdateContact may write
	// and GetContact reads back; empty skips the round trip.
	UpdateField string
	// Stall, when set, makes the CRM's API hang until release is called. The
	// kit uses it to check that the plugin gives up on a call when the hub's
	// deadline passes or the hub cancels it. Without it only the SDK's part
	// is checked: that the deadline and cancellation reach the plugin.
	Stall func() (release func())
}

// Check is one conformance check. Its Name reads as a sentence about the
// plugin; Run returns an error that says what to fix.
type Check struct {
	Name string
	Run  func(ctx context.Context, kit Kit) error
}

// Checks returns every conformance check, in a sensible order.
func Checks() []Check {
	return []Check{
		{"Info is well-formed and declares the fixture settings", checkInfo},
		{"Configure accepts the fixture settings", checkConfigureAccepts},
		{"Configure rejects bad settings as Invalid", checkConfigureRejects},
		{"a valid webhook decodes to its contact", checkDecodeValid},
		{"an invalid webhook decodes to Invalid", checkDecodeInvalid},
		{"an empty request decodes to Invalid", checkDecodeEmpty},
		{"a batch of webhooks gets one result per request, in order", checkDecodeBatch},
		{"headers are read by the keys the hub hands over, canonicalised as net/http does", checkCanonicalHeaders},
		{"a webhook naming several contacts decodes to one item each", checkDecodeMulti},
		{"CheckWebhook accepts the valid request and rejects the forged one", checkDoor},
		{"DecodeWebhooks does not call the CRM", checkDecodeOffline},
		{"Configure reports refused credentials as Unauthenticated and keeps the previous settings", checkConfigureRefused},
		{"Configure can run while other calls do", checkConfigureRace},
		{"no error message quotes a secret setting's value", checkSecretsKept},
		{"GetContact returns the known contact", checkGetKnown},
		{"GetContact of an unknown id is NotFound", checkGetUnknown},
		{"FindContact finds the known contact by e-mail, and NotFound for an unknown one", checkFind},
		{"the known contact's tags are among ListTags", checkTagsListed},
		{"ListFields names every field with an id", checkFields},
		{"UpdateContact writes a field that GetContact reads back", checkUpdate},
		{"the hub's deadline and cancellation reach the plugin", checkDeadlines},
	}
}

// Run runs every check and returns nil when all pass, or an error that
// lists each failed check with what to fix.
func Run(ctx context.Context, kit Kit) error {
	var failures []error
	for _, c := range Checks() {
		if err := c.Run(ctx, kit); err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", c.Name, err))
		}
	}
	return errors.Join(failures...)
}
