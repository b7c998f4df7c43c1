package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/sdk"
)

// MaxBodyLimit is the largest server.max_body: half the largest message
// between the hub and a plugin, so a webhook with its headers always fits
// one DecodeWebhooks call.
const MaxBodyLimit = ByteSize(sdk.MaxMessageBytes / 2)

// validate checks every value and returns all problems, each naming its key.
func (c *Config) validate() error {
	var v validator
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		v.add("listen", "must be host:port, e.g. 127.0.0.1:8080")
	}
	if !strings.HasPrefix(c.Database.URL, "sqlite://") && !strings.HasPrefix(c.Database.URL, "postgres://") &&
		!strings.HasPrefix(c.Database.URL, "postgresql://") {
		v.add("database.url", "must start with sqlite:// or postgres://")
	}
	v.check(c.Database.MaxConnections >= 2, "database.max_connections", "must be >= 2")
	v.check(c.Server.MaxBody > 0, "server.max_body", "must be > 0")
	v.check(c.Server.MaxBody <= MaxBodyLimit, "server.max_body",
		fmt.Sprintf("must be at most %s: a webhook must fit one message to its plugin", MaxBodyLimit))
	if c.Server.DefaultCRM != "" {
		_, ok := c.CRMs[c.Server.DefaultCRM]
		v.check(ok, "server.default_crm", fmt.Sprintf("no CRM named %q under crms", c.Server.DefaultCRM))
	}
	if c.Server.PublicURL != "" {
		v.checkURL("server.public_url", c.Server.PublicURL)
	}
	v.check(c.SecretKeyFile != "", "secret_key_file", "must not be empty")
	v.check(c.Inbox.Workers >= 1, "inbox.workers", "must be >= 1")
	v.check(c.Inbox.WorkersWhileReceiving >= 0 && c.Inbox.WorkersWhileReceiving <= c.Inbox.Workers,
		"inbox.workers_while_receiving", "must be between 0 and inbox.workers")
	v.check(c.Inbox.MaxAttempts >= 1, "inbox.max_attempts", "must be >= 1")
	v.check(c.Inbox.BackoffInitial > 0, "inbox.backoff_initial", "must be > 0")
	v.check(c.Inbox.BackoffMax >= c.Inbox.BackoffInitial, "inbox.backoff_max", "must be >= inbox.backoff_initial")
	v.check(c.Inbox.MaxBacklog >= 1, "inbox.max_backlog", "must be >= 1")
	v.check(c.Inbox.Lease >= time.Second, "inbox.lease", "must be at least 1s")
	v.check(c.Plugins.Dir != "", "plugins.dir", "must not be empty")
	v.check(c.Plugins.MaxProcs >= 0, "plugins.max_procs", "must be >= 0")
	c.validateRoles(&v)
	v.oneOf("users.username_format", c.Users.UsernameFormat, "email", "flname", "fnamenum")
	if c.Notify.LoginURL != "" {
		v.checkURL("notify.login_url", c.Notify.LoginURL)
	}
	v.check(c.Notify.SMTP.Port > 0 && c.Notify.SMTP.Port < 65536, "notify.smtp.port", "must be a port number")
	if c.Notify.SMTP.Host != "" {
		v.check(strings.Contains(c.Notify.SMTP.From, "@"), "notify.smtp.from", "must be an e-mail address when notify.smtp.host is set")
	}
	v.oneOf("log.format", c.Log.Format, "text", "json")
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	for _, name := range sortedKeys(c.CRMs) {
		c.CRMs[name].validate(&v, "crms."+name)
	}
	c.validateApps(&v)
	return v.err()
}

func (c *Config) validateRoles(v *validator) {
	v.check(slices.Contains(c.Roles.Allowed, c.Roles.Default), "roles.default",
		fmt.Sprintf("%q must be one of roles.allowed", c.Roles.Default))
	for _, r := range c.Roles.Allowed {
		v.check(!slices.Contains(c.Roles.Privileged, r), "roles.allowed",
			fmt.Sprintf("%q is privileged; a webhook may never assign it", r))
	}
}

var crmName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// hubFields are the hub fields a CRM field may be mapped to besides any
// profile field of the application's own.
var specialHubFields = []string{"username", "password", "role", "email", "first_name", "last_name"}

func (crm CRM) validate(v *validator, key string) {
	v.check(crmName.MatchString(strings.TrimPrefix(key, "crms.")), key, "a CRM name is lower-case letters, digits, - and _")
	v.check(crm.Plugin != "", key+".plugin", "must not be empty")
	if crm.SHA256 != "" {
		b, err := hex.DecodeString(crm.SHA256)
		v.check(err == nil && len(b) == 32, key+".sha256", "must be 64 hex digits")
	}
	v.check(crm.RateLimit > 0, key+".rate_limit", "must be > 0")
	for _, hub := range sortedKeys(crm.Fields) {
		v.check(crm.Fields[hub] != "", key+".fields."+hub, "must name a CRM field")
	}
}

// validator collects problems.
type validator struct{ errs []error }

func (v *validator) add(key, msg string) { v.errs = append(v.errs, fmt.Errorf("%s: %s", key, msg)) }

func (v *validator) check(ok bool, key, msg string) {
	if !ok {
		v.add(key, msg)
	}
}

func (v *validator) oneOf(key, val string, allowed ...string) {
	v.check(slices.Contains(allowed, val), key, fmt.Sprintf("%q is not one of %s", val, strings.Join(allowed, ", ")))
}

func (v *validator) checkURL(key, raw string) {
	u, err := url.Parse(raw)
	v.check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", key, "must be an http:// or https:// URL")
}

func (v *validator) err() error { return errors.Join(v.errs...) }

var appName = regexp.MustCompile(`^[a-z0-9-]+$`)

// minAppTokenLen is the shortest app token taken: a short one is guessed.
const minAppTokenLen = 16

func (c *Config) validateApps(v *validator) {
	tokenOwner := map[string]string{} // an app token → the first app with it
	for _, name := range sortedKeys(c.Apps) {
		app, key := c.Apps[name], "apps."+name
		v.check(appName.MatchString(name), key, "an app name is lower-case letters, digits and -")
		if app.URL != "" {
			v.checkURL(key+".url", app.URL)
		}
		if app.Secret != "" {
			if _, err := secret.WebhookKey(app.Secret); err != nil {
				v.add(key+".secret", err.Error())
			}
		}
		for _, e := range app.Events {
			v.oneOf(key+".events", e, EventUserCreated, EventUserUpdated)
		}
		if app.Token != "" {
			c.validateAppToken(v, name, app.Token, tokenOwner)
		}
	}
	v.check(c.Delivery.MaxAttempts >= 1, "delivery.max_attempts", "must be >= 1")
	v.check(c.Delivery.BackoffInitial > 0, "delivery.backoff_initial", "must be > 0")
	v.check(c.Delivery.BackoffMax >= c.Delivery.BackoffInitial, "delivery.backoff_max", "must be >= delivery.backoff_initial")
	v.check(c.Delivery.Timeout > 0, "delivery.timeout", "must be > 0")
	v.check(c.Changes.Retention > 0, "changes.retention", "must be > 0")
}

// validateAppToken refuses a token that would not tell who calls: the
// admin's token (which may do everything) or another app's.
func (c *Config) validateAppToken(v *validator, name, token string, owner map[string]string) {
	key := "apps." + name + ".token"
	v.check(len(token) >= minAppTokenLen, key, fmt.Sprintf("must be at least %d characters", minAppTokenLen))
	v.check(token != c.Admin.Token, key, "must differ from admin.token")
	if other, taken := owner[token]; taken {
		v.add(key, "is also the token of apps."+other+": each app needs its own")
		return
	}
	owner[token] = name
}
