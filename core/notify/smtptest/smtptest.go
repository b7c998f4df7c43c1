// Package smtptest runs a real SMTP server inside a test process
// (emersion/go-smtp on 127.0.0.1) that keeps every mail it accepts, so
// specs can check what the hub sent without a mail server on the machine.
//
//	srv, err := smtptest.Start(smtptest.Options{Username: "hub", Password: "pw", StartTLS: true})
//	DeferCleanup(srv.Close)
//	… point the hub at srv.Host, srv.Port (trusting srv.ClientTLSConfig()) …
//	Eventually(srv.Mails).Should(HaveLen(1))
package smtptest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server.
type Options struct {
	// Username and Password, when Username is set, must be given through
	// AUTH PLAIN before a mail is accepted.
	Username, Password string
	// StartTLS offers STARTTLS with a certificate for 127.0.0.1 made at
	// start; ClientTLSConfig trusts it. AUTH is then offered only after
	// STARTTLS, as real servers do.
	StartTLS bool
}

// Server is a running test SMTP server.
type Server struct {
	// Host and Port are where it listens.
	Host string
	Port int

	opts      Options
	srv       *smtp.Server
	clientTLS *tls.Config

	mu     sync.Mutex
	mails  []Mail
	reject int
}

// Start starts a server on a free port of 127.0.0.1.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s := &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, opts: opts}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtptest.local"
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.MaxMessageBytes = 10 << 20
	if opts.StartTLS {
		serverTLS, clientTLS, err := selfSignedTLS(s.Host)
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.srv.TLSConfig, s.clientTLS = serverTLS, clientTLS
	} else {
		s.srv.AllowInsecureAuth = true
	}
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, fmt.Sprint(s.Port)) }

// ClientTLSConfig trusts the server's certificate (nil without StartTLS).
func (s *Server) ClientTLSConfig() *tls.Config { return s.clientTLS.Clone() }

// Mails returns the mails received so far, oldest first.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// RejectNext makes the server refuse the next n mails with a temporary
// failure (451), as a busy or greylisting server does.
func (s *Server) RejectNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = n
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	sess := &session{server: s, conn: c}
	if s.opts.Username != "" {
		return &authSession{session: sess}, nil
	}
	return sess, nil
}

// accept keeps a mail, unless it is to be rejected.
func (s *Server) accept(m Mail) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reject > 0 {
		s.reject--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.mails = append(s.mails, m)
	return nil
}

// session is one SMTP conversation.
type session struct {
	server   *Server
	conn     *smtp.Conn
	username string
	from     string
	to       []string
}

func (s *session) authRequired() bool {
	return s.server.opts.Username != "" && s.username == ""
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.authRequired() {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.authRequired() {
		return smtp.ErrAuthRequired
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	m := Mail{From: s.from, To: s.to, Raw: raw, Username: s.username, TLS: isTLS}
	if err := m.parse(); err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: err.Error()}
	}
	return s.server.accept(m)
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// authSession offers AUTH PLAIN with the configured credentials.
type authSession struct{ *session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.server.opts.Username || password != s.server.opts.Password {
			return errors.New("invalid username or password")
		}
		s.username = username
		return nil
	}), nil
}
