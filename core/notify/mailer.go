package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTPConfig is the mail server welcome mails go through (notify.smtp).
type SMTPConfig struct {
	Host string
	// Port 465 means TLS from the first byte (SMTPS); any other port
	// speaks plain SMTP, upgraded with STARTTLS when StartTLS is set.
	// Zero means 587.
	Port int
	// Username, when set, logs in with the best mechanism the server
	// offers; go-mail never sends a password in the clear except to
	// localhost.
	Username, Password string
	// From is the sender address, e.g. "Example <noreply@example.com>".
	From string
	// StartTLS makes STARTTLS mandatory: a server that does not offer it,
	// or whose certificate does not verify, gets no mail. Without it the
	// connection is not encrypted (for a relay on the same machine).
	StartTLS bool
}

// ErrNotConfigured means no SMTP server is configured, so no mail can go.
var ErrNotConfigured = errors.New("notify: no SMTP server is configured (notify.smtp.host)")

// sendTimeout bounds one delivery, connection included.
const sendTimeout = 30 * time.Second

// Mailer sends welcome mails. It is safe for concurrent use.
type Mailer struct {
	cfg       SMTPConfig
	tmpl      *Template
	tlsConfig *tls.Config
}

// Option adjusts a Mailer.
type Option func(*Mailer)

// WithTLSConfig sets how the server's certificate is checked, e.g. to trust
// a private CA (tests use smtptest's certificate).
func WithTLSConfig(c *tls.Config) Option { return func(m *Mailer) { m.tlsConfig = c } }

// New returns a Mailer for cfg with the template at templatePath (empty:
// the built-in one). A template that does not parse or names an unknown
// variable is an error here. An empty cfg.Host makes a Mailer whose Send
// returns ErrNotConfigured.
func New(cfg SMTPConfig, templatePath string, opts ...Option) (*Mailer, error) {
	tmpl, err := LoadTemplate(templatePath)
	if err != nil {
		return nil, err
	}
	if cfg.Host != "" && cfg.From == "" {
		return nil, errors.New("notify: notify.smtp.from is required when notify.smtp.host is set")
	}
	m := &Mailer{cfg: cfg, tmpl: tmpl}
	for _, opt := range opts {
		opt(m)
	}
	return m, nil
}

// Send renders the welcome mail for w and delivers it to w.Email.
func (m *Mailer) Send(ctx context.Context, w Welcome) error {
	if m.cfg.Host == "" {
		return ErrNotConfigured
	}
	subject, body, err := m.tmpl.Render(w)
	if err != nil {
		return err
	}
	msg := mail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return fmt.Errorf("notify: sender %q: %w", m.cfg.From, err)
	}
	if err := msg.To(w.Email); err != nil {
		return fmt.Errorf("notify: recipient %q: %w", w.Email, err)
	}
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, body)

	client, err := mail.NewClient(m.cfg.Host, m.clientOptions()...)
	if err != nil {
		return fmt.Errorf("notify: smtp %s: %w", m.cfg.Host, err)
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: send welcome mail to %s via %s:%d: %w", w.Email, m.cfg.Host, m.cfg.Port, err)
	}
	return nil
}

func (m *Mailer) clientOptions() []mail.Option {
	port := m.cfg.Port
	if port == 0 {
		port = mail.DefaultPortTLS
	}
	opts := []mail.Option{mail.WithTimeout(sendTimeout), mail.WithPort(port)}
	switch {
	case port == mail.DefaultPortSSL:
		opts = append(opts, mail.WithSSL())
	case m.cfg.StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if m.tlsConfig != nil {
		c := m.tlsConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = m.cfg.Host
		}
		opts = append(opts, mail.WithTLSConfig(c))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.cfg.Username), mail.WithPassword(m.cfg.Password))
	}
	return opts
}
