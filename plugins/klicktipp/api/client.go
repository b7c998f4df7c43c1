package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/crmhub/crmhub/sdk"
)

const (
	// DefaultBaseURL is KlickTipp's production API.
	DefaultBaseURL = "https://api.klicktipp.com"
	// DefaultTimeout bounds one HTTP exchange when Config.Timeout is zero.
	DefaultTimeout = 30 * time.Second

	// clientIdentifier names crmhub to KlickTipp, as its own connectors do.
	clientIdentifier = "crmhub"
	userAgent        = "crmhub-plugin-klicktipp"

	// maxAnswer bounds a successful answer; the largest one, the tag list
	// of a big account, stays far below it.
	maxAnswer = 8 << 20
	// maxErrorAnswer bounds an error answer: only its code or message is used.
	maxErrorAnswer = 16 << 10
)

// Config says where and how the client talks to KlickTipp.
type Config struct {
	// BaseURL is the API's root, e.g. DefaultBaseURL or a staging URL with
	// a path ("https://app.klicktipp-staging.com/api").
	BaseURL string
	// Auth is Session or Partner.
	Auth Auth
	// Timeout bounds each HTTP exchange, login included; zero means
	// DefaultTimeout. A context deadline, when sooner, wins.
	Timeout time.Duration
	// Logger receives the client's few log lines; nil means hclog.Default().
	Logger hclog.Logger
	// Transport, when set, replaces the client's own connection pool
	// (tests use it to point at a fake).
	Transport http.RoundTripper
}

// Client calls KlickTipp's API. It is safe for concurrent use; concurrent
// calls share one session.
type Client struct {
	base *url.URL
	http *http.Client
	auth authenticator
	log  hclog.Logger
}

// New checks cfg and returns a client. It does not call KlickTipp: a
// session client logs in on its first call (or on Login).
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Auth == nil {
		return nil, errors.New("no authentication given")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := cfg.Transport
	if transport == nil {
		transport = sdk.APITransport()
	}
	log := cfg.Logger
	if log == nil {
		log = hclog.Default()
	}
	c := &Client{
		base: base,
		http: &http.Client{Transport: transport, Timeout: timeout},
		log:  log,
	}
	if c.auth, err = cfg.Auth.authenticator(c); err != nil {
		return nil, err
	}
	return c, nil
}

// parseBaseURL accepts an absolute http(s) URL without query or fragment;
// a trailing slash is dropped so paths can be appended.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		var parseErr *url.Error
		if errors.As(err, &parseErr) {
			err = parseErr.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("base_url is not a URL: %w", err)
	}
	switch shown := u.Redacted(); {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("base_url %q: want an http:// or https:// URL", shown)
	case u.Host == "":
		return nil, fmt.Errorf("base_url %q has no host", shown)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("base_url %q must not have a query or fragment", shown)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	u.User = nil
	return u, nil
}

// Login logs in now (session auth) so that wrong credentials show at once;
// with partner auth it does nothing.
func (c *Client) Login(ctx context.Context) error {
	return c.auth.start(ctx)
}

// Close ends the session, if any. The client logs in again if used after.
func (c *Client) Close(ctx context.Context) error {
	return c.auth.stop(ctx)
}

// call is one API request.
type call struct {
	method string
	path   string
	// form is sent form-encoded as the body; nil sends no body.
	form form
	// subject names what the call is about ("contact 123"). A 404 or a
	// 406 without an error code means "no such subject" only for calls
	// that have one; for others (GET /tag) it means a wrong base URL.
	subject string
	// secret marks answers that carry credentials (the login's session
	// id): they are never quoted in an error.
	secret bool
}

func (k call) String() string { return k.method + " " + k.path }

// do sends k with the client's credentials and decodes a successful JSON
// answer into into. When KlickTipp refuses the credentials (401 or 403),
// it renews them once, if the auth mode can, and repeats the call.
func (c *Client) do(ctx context.Context, k call, into any) error {
	credentials, answer, err := c.signAndSend(ctx, k)
	if err != nil {
		return err
	}
	if answer.refused() {
		renewed, err := c.auth.renew(ctx, credentials)
		if err != nil {
			return err
		}
		if !renewed {
			return c.auth.refused(k, answer)
		}
		if _, answer, err = c.signAndSend(ctx, k); err != nil {
			return err
		}
		if answer.refused() {
			return c.auth.refused(k, answer)
		}
	}
	return answer.decode(k, into)
}

func (c *Client) signAndSend(ctx context.Context, k call) (credentials, answer, error) {
	credentials, err := c.auth.sign(ctx)
	if err != nil {
		return credentials, answer{}, err
	}
	a, err := c.send(ctx, k, credentials.header)
	return credentials, a, err
}

// answer is one HTTP answer, its body read up to a bound.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// refused reports whether KlickTipp refused the call's credentials.
func (a answer) refused() bool {
	return a.status == http.StatusUnauthorized || a.status == http.StatusForbidden
}

// send makes one HTTP exchange. Only failures to exchange at all are
// errors here; an error status is the caller's to judge.
func (c *Client) send(ctx context.Context, k call, credentials http.Header) (answer, error) {
	req, err := c.newRequest(ctx, k)
	if err != nil {
		return answer{}, err
	}
	for name, values := range credentials {
		req.Header[name] = values
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, sdk.Retryable(fmt.Errorf("%s: %w", k, err), 0)
	}
	defer resp.Body.Close()

	success := resp.StatusCode/100 == 2
	limit := int64(maxErrorAnswer)
	if success {
		limit = maxAnswer
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return answer{}, sdk.Retryable(fmt.Errorf("%s: read answer: %w", k, err), 0)
	}
	if int64(len(body)) > limit {
		if success {
			return answer{}, sdk.Retryable(fmt.Errorf("%s: answer larger than %d MiB", k, limit>>20), 0)
		}
		body = body[:limit] // an error answer is only quoted, so its start is enough
	}
	// Drain a little of what is left so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorAnswer))
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func (c *Client) newRequest(ctx context.Context, k call) (*http.Request, error) {
	u := *c.base
	u.Path = c.base.Path + k.path
	var body io.Reader
	if k.form != nil {
		body = strings.NewReader(k.form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s: build request: %w", k, err)
	}
	if k.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Client-Identifier", clientIdentifier)
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}
