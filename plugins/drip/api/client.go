package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

const (
	// DefaultBaseURL is Drip's API.
	DefaultBaseURL = "https://api.getdrip.com"
	// DefaultTimeout bounds one HTTP exchange when Config.Timeout is zero.
	DefaultTimeout = 20 * time.Second
	// DefaultRateLimitWait is the wait after a 429 when Config.RateLimitWait
	// is zero (see Config).
	DefaultRateLimitWait = 10 * time.Minute
	// userAgent names the integration, as Drip asks every client to.
	userAgent = "crmhub-plugin-drip (https://github.com/crmhub/crmhub)"

	maxAnswer      = 8 << 20
	maxErrorAnswer = 16 << 10
)

// Config says where and how the client talks to Drip.
type Config struct {
	// BaseURL is Drip's API root; empty means DefaultBaseURL.
	BaseURL string
	// AccountID is the Drip account, as in its URLs (digits).
	AccountID string
	// Token is the user's API token, the user name of HTTP Basic auth
	// with an empty password.
	Token string
	// Timeout bounds each HTTP exchange; zero means DefaultTimeout.
	Timeout time.Duration
	// RateLimitWait is how long to wait after a 429: Drip sends no
	// Retry-After nor a reset time, and its limit counts an hour (3,600
	// calls), so a short wait would only spend retries. Zero means
	// DefaultRateLimitWait; a Retry-After, if Drip ever sends one, wins.
	RateLimitWait time.Duration
	// Transport, when set, replaces the default connection pool.
	Transport http.RoundTripper
}

// Client calls Drip's API for one account; it is safe for concurrent use.
type Client struct {
	base    *url.URL
	account string
	token   string
	wait    time.Duration
	http    *http.Client
}

// New checks cfg and returns a client; it does not call Drip.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if !IsAccountID(cfg.AccountID) {
		return nil, errors.New("account_id must be the digits of the account's id, as in https://www.getdrip.com/<account_id>/…")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("api_token is empty")
	}
	timeout, wait := cfg.Timeout, cfg.RateLimitWait
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if wait <= 0 {
		wait = DefaultRateLimitWait
	}
	transport := cfg.Transport
	if transport == nil {
		transport = sdk.APITransport()
	}
	return &Client{base: base, account: cfg.AccountID, token: strings.TrimSpace(cfg.Token), wait: wait,
		http: &http.Client{Transport: transport, Timeout: timeout}}, nil
}

// IsAccountID reports whether s looks like a Drip account id (digits).
func IsAccountID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ParseBaseURL accepts an absolute http(s) URL without query, fragment or
// user; empty is DefaultBaseURL, and a trailing slash or /v2 is dropped.
func ParseBaseURL(raw string) (*url.URL, error) {
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
		return nil, fmt.Errorf("base_url %q: want an https:// URL", shown)
	case u.Host == "":
		return nil, fmt.Errorf("base_url %q has no host", shown)
	case u.User != nil:
		return nil, fmt.Errorf("base_url %q must not carry a user or password", shown)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("base_url %q must not have a query or fragment", shown)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v2")
	u.RawPath = ""
	return u, nil
}

// call is one API request.
type call struct {
	method string
	// path is under /v2/<account>, already escaped.
	path string
	body any // sent as JSON when not nil
	// subject names the subscriber the call is about: a 404 is then
	// NotFound; without one it means a wrong base_url or account_id.
	subject string
}

func (k call) String() string { return k.method + " /v2/<account>" + redactPath(k.path) }

// redactPath keeps an e-mail address in a path out of messages.
func redactPath(p string) string {
	if strings.Contains(p, "%40") || strings.Contains(p, "@") {
		return "/subscribers/<e-mail>"
	}
	return p
}

// do sends k and decodes a successful JSON answer into into.
func (c *Client) do(ctx context.Context, k call, into any) error {
	req, err := c.newRequest(ctx, k)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the URL may name an e-mail address
		}
		return sdk.Retryable(fmt.Errorf("%s: %w", k, err), 0)
	}
	defer resp.Body.Close()
	success := resp.StatusCode/100 == 2
	limit := int64(maxErrorAnswer)
	if success {
		limit = maxAnswer
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return sdk.Retryable(fmt.Errorf("%s: read answer: %w", k, err), 0)
	}
	if int64(len(body)) > limit {
		if success {
			return sdk.Retryable(fmt.Errorf("%s: answer larger than %d MiB", k, limit>>20), 0)
		}
		body = body[:limit]
	}
	if !success {
		return c.failure(k, resp.StatusCode, resp.Header, body)
	}
	if into == nil {
		return nil
	}
	if err := json.Unmarshal(body, into); err != nil {
		return sdk.Retryable(fmt.Errorf("%s: answer is not the JSON expected (%w): %s", k, err, excerpt(body)), 0)
	}
	return nil
}

func (c *Client) newRequest(ctx context.Context, k call) (*http.Request, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + "/v2/" + c.account + k.path
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return nil, fmt.Errorf("%s: build path: %w", k, err)
	}
	var body io.Reader
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", k, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s: build request", k)
	}
	if k.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(c.token, "")
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}
