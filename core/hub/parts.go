package hub

import (
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/store"
)

// The config, cut to what each part takes: parts never read config.Config
// themselves, so each can be built and tested on its own.

// hostSpecs lists the enabled CRMs' plugins.
func hostSpecs(cfg *config.Config) []host.Spec {
	var specs []host.Spec
	for _, name := range cfg.Enabled() {
		c := cfg.CRMs[name]
		specs = append(specs, host.Spec{
			Name: name, Plugin: c.Plugin, SHA256: c.SHA256, Settings: c.Settings, RateLimit: c.RateLimit,
		})
	}
	return specs
}

func engineConfig(cfg *config.Config) engine.Config {
	ec := engine.Config{
		DefaultRole:     cfg.Roles.Default,
		AllowedRoles:    cfg.Roles.Allowed,
		PrivilegedRoles: cfg.Roles.Privileged,
		UsernameFormat:  cfg.Users.UsernameFormat,
		CRMs:            map[string]engine.CRMConfig{},
		Apps:            engineApps(cfg),
	}
	for name, c := range cfg.CRMs {
		ec.CRMs[name] = engine.CRMConfig{Fields: c.Fields, ReturnPasswordField: c.ReturnPasswordField}
	}
	return ec
}

// inboxOptions cuts the inbox's options from cfg. Stale leases are
// released at start only on SQLite, which serves a single process.
func (h *Hub) inboxOptions(cfg *config.Config) inbox.Options {
	return inbox.Options{
		Workers:               cfg.Inbox.Workers,
		WorkersWhileReceiving: cfg.Inbox.WorkersWhileReceiving,
		MaxAttempts:           cfg.Inbox.MaxAttempts,
		BackoffInitial:        cfg.Inbox.BackoffInitial,
		BackoffMax:            cfg.Inbox.BackoffMax,
		MaxBacklog:            cfg.Inbox.MaxBacklog,
		Lease:                 cfg.Inbox.Lease,
		ReleaseStaleLeases:    h.store.Dialect() == store.SQLite,
		CRMs:                  h.enabledCRMs,
		Observer:              h.metrics,
	}
}

func smtpConfig(cfg *config.Config) notify.SMTPConfig {
	s := cfg.Notify.SMTP
	return notify.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, From: s.From, StartTLS: s.StartTLS}
}
