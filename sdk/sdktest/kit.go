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
	// KnownContact is a contact the CRM has. GetContact must return its
	// ID, Email and (when given) Tags, and every field given in Fields
	// with the same value; other fields may be present too.
	KnownContact sdk.Contact
	// UnknownContactID is an id the CRM does not have.
	UnknownContactID string
	// ValidWebhook is a webhook the CRM would send; it must decode to
	// WantItems (compared by contact id, e-mail, action and reason).
	ValidWebhook sdk.RawWebhook
	WantItems    []sdk.Item
	// InvalidWebhook carries no usable contact: it must decode to
	// sdk.Invalid.
	InvalidWebhook sdk.RawWebhook
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
