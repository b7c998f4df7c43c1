package testplugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// Contact ids whose webhooks the decoder cannot take: PanicOnDecode makes
// it panic, CrashOnDecode ends the plugin process.
const (
	PanicOnDecode = "panic-on-decode"
	CrashOnDecode = "crash-on-decode"
)

// APIKey is the only api_key setting the test CRM accepts.
const APIKey = "test-key"

// RevokedAPIKey is an api_key the test CRM knows but refuses, as a CRM
// refuses a revoked key: Configure answers Unauthenticated.
const RevokedAPIKey = "revoked-key"

// CRM is the test plugin's sdk.CRM over a Directory.
type CRM struct {
	dir *Directory

	mu             sync.Mutex
	configured     bool
	configures     int // Configure calls so far
	failConfigures int // Configure calls still to fail as retryable
	region         string
	calls          callLog
}

var _ sdk.CRM = (*CRM)(nil)

// New returns an unconfigured CRM over dir.
func New(dir *Directory) *CRM { return &CRM{dir: dir} }

// Info describes the test plugin.
func (c *CRM) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:         "test",
		DisplayName:  "Test CRM",
		Version:      "0.1.0",
		Capabilities: []string{"update_contact"},
		Settings: []sdk.Setting{
			{Name: "api_key", Description: "the account's API key; only \"test-key\" works", Required: true, Secret: true},
			{Name: "fail_configure", Type: sdk.TypeInt, Default: "0", Description: "fail this many Configure calls as if the CRM were down"},
			{Name: "region", Type: sdk.TypeEnum, Values: []string{"eu", "us"}, Default: "eu", Description: "the account's data centre; the stats contact reports it"},
			{Name: "call_log", Description: "a file each GetContact appends a line to (process, contact, start, end), for drills"},
			{Name: "get_delay", Type: sdk.TypeDuration, Default: "0s", Description: "how long each GetContact takes when call_log is set"},
		},
	}, nil
}

// Configure checks the api_key and honours fail_configure.
func (c *CRM) Configure(_ context.Context, settings sdk.Settings) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.configures++
	c.region = settings.String("region")
	delay, err := settings.Duration("get_delay")
	if err != nil {
		return err
	}
	c.calls.set(settings.String("call_log"), delay)
	if c.configures == 1 && settings["fail_configure"] != "" {
		n, err := strconv.Atoi(settings["fail_configure"])
		if err != nil {
			return sdk.Invalid("fail_configure %q is not a number", settings["fail_configure"])
		}
		c.failConfigures = n
	}
	if c.failConfigures > 0 {
		c.failConfigures--
		return sdk.Retryable(errors.New("test CRM unreachable (fail_configure)"), 0)
	}
	switch settings["api_key"] {
	case "":
		c.configured = false
		return sdk.Invalid("api_key is required")
	case RevokedAPIKey:
		return sdk.Unauthenticated("the test CRM refuses this api_key")
	case APIKey:
		c.configured = true
		sdk.Logger().Info("test CRM configured", "configures", c.configures)
		return nil
	default:
		c.configured = false
		return sdk.Invalid("api_key is not valid for the test CRM")
	}
}

// DecodeWebhook reads a contact id and e-mail (see decode.go), or plays a
// broken decoder for the special ids of the package doc.
func (c *CRM) DecodeWebhook(_ context.Context, hook sdk.RawWebhook) ([]sdk.Item, error) {
	d, err := decode(hook)
	switch d.ContactID {
	case PanicOnDecode:
		var seen map[string]bool
		seen[d.ContactID] = true // a nil map: the kind of bug a plugin ships
	case CrashOnDecode:
		fmt.Fprintln(os.Stderr, "testplugin: told to die decoding this webhook")
		os.Exit(3)
	}
	if err != nil {
		return nil, err
	}
	return items(hook, d), nil
}

// GetContact returns a contact of the directory, or plays one of the
// special ids of the package doc.
func (c *CRM) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	if err := c.ready(); err != nil {
		return sdk.Contact{}, err
	}
	// The event id is in the line, so specs can see it reached the plugin.
	sdk.Log(ctx).Info("get contact", "contact_id", id)
	switch id {
	case "hang":
		select {} // a stuck plugin: only the host's deadline ends the call
	case "expire-session":
		c.mu.Lock()
		c.configured = false
		c.mu.Unlock()
		return sdk.Contact{}, sdk.Unauthenticated("the test CRM revoked the session")
	case "rate-limited":
		return sdk.Contact{}, sdk.Retryable(errors.New("test CRM: too many requests"), 2*time.Second)
	case "stats":
		c.mu.Lock()
		defer c.mu.Unlock()
		return sdk.Contact{ID: id, Email: "stats@example.com", Fields: map[string]string{
			"pid":        strconv.Itoa(os.Getpid()),
			"configures": strconv.Itoa(c.configures),
			"region":     c.region,
		}}, nil
	case "environment":
		return sdk.Contact{ID: id, Email: "environment@example.com", Fields: environment()}, nil
	}
	return c.calls.around(id, func() (sdk.Contact, error) {
		if synth, ok := synthetic(id); ok {
			return synth, nil
		}
		contact, ok, err := c.dir.get(ctx, id)
		if err != nil {
			return sdk.Contact{}, sdk.Retryable(fmt.Errorf("get contact %s: %w", id, err), 0)
		}
		if !ok {
			return sdk.Contact{}, sdk.NotFound("no contact %s", id)
		}
		return contact, nil
	})
}

// FindContact looks a contact up by e-mail.
func (c *CRM) FindContact(ctx context.Context, email string) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	id, ok, err := c.dir.find(ctx, email)
	if err != nil {
		return "", sdk.Retryable(fmt.Errorf("find contact %s: %w", email, err), 0)
	}
	if !ok {
		return "", sdk.NotFound("no contact has e-mail %s", email)
	}
	return id, nil
}

// ListTags returns the account's tags.
func (c *CRM) ListTags(context.Context) ([]sdk.Tag, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	return []sdk.Tag{TagCustomer, TagNewsletter, TagVIP}, nil
}

// ListFields returns the account's fields.
func (c *CRM) ListFields(context.Context) ([]sdk.Field, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	return append([]sdk.Field{}, Fields...), nil
}

// UpdateContact writes fields of a contact.
func (c *CRM) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	if err := c.ready(); err != nil {
		return err
	}
	ok, err := c.dir.update(ctx, id, fields)
	if err != nil {
		return sdk.Retryable(fmt.Errorf("update contact %s: %w", id, err), 0)
	}
	if !ok {
		return sdk.NotFound("no contact %s", id)
	}
	return nil
}

// environment is the process's environment, variable name → value.
func environment() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = value
	}
	return env
}

// ready refuses calls before a successful Configure, as a CRM without
// credentials would.
func (c *CRM) ready() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.configured {
		return sdk.Unauthenticated("the test CRM is not configured")
	}
	return nil
}
