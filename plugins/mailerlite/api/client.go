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
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

const (
	// DefaultBaseURL is MailerLite's API root.
	DefaultBaseURL = "https://connect.mailerlite.com/api"
	// DefaultTimeout bounds one HTTP exchange when Config.Timeout is zero.
	DefaultTimeout = 20 * time.Second
	// DefaultRateWait is the wait after a 429 that names none: MailerLite
	// counts 120 requests a minute.
	DefaultRateWait = time.Minute

	userAgent      = "crmhub-plugin-mailerlite"
	maxAnswer      = 8 << 20
	maxErrorAnswer = 16 << 10
)

// Config says how the client talks to MailerLite.
type Config struct {
	APIKey string
	// BaseURL overrides DefaultBaseURL (tests).
	BaseURL string
	// Timeout bounds each HTTP exchange; zero means DefaultTimeout.
	Timeout time.Duration
	// Transport, when set, replaces the default transport.
	Transport http.RoundTripper
	// Now is the clock X-RateLimit-Reset is read against; nil means time.Now.
	Now func() time.Time
}

// Client calls MailerLite's API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	http *http.Client
	now  func() time.Time
}

// New checks cfg and returns a client; it does not call MailerLite.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("api_key is empty: generate one under Integrations → MailerLite API")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" {
		return nil, fmt.Errorf("base_url %q: want an absolute http(s) URL without a query", raw)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := cfg.Transport
	if transport == nil {
		transport = sdk.APITransport()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{base: base, key: strings.TrimSpace(cfg.APIKey), http: &http.Client{Transport: transport, Timeout: timeout}, now: now}, nil
}

// call is one API request; subject names what a 404 means ("subscriber
// x"), or is empty when a 404 means a wrong base URL.
type call struct {
	method  string
	path    string
	query   url.Values
	body    any
	subject string
}

func (k call) String() string { return k.method + " " + redactPath(k.path) }

// redactPath keeps an e-mail address in a path out of messages.
func redactPath(p string) string {
	if strings.Contains(p, "%40") || strings.Contains(p, "@") {
		return "/subscribers/<e-mail>"
	}
	return p
}

// do sends k and decodes a 2xx JSON answer into into (unless nil).
func (c *Client) do(ctx context.Context, k call, into any) error {
	u := *c.base
	u.Path = c.base.Path + k.path
	u.RawQuery = k.query.Encode()
	var body io.Reader
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", k, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%s: build request: %w", k, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return sdk.Retryable(fmt.Errorf("%s: %w", k, err), 0)
	}
	defer resp.Body.Close()
	ok := resp.StatusCode/100 == 2
	limit := int64(maxErrorAnswer)
	if ok {
		limit = maxAnswer
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return sdk.Retryable(fmt.Errorf("%s: read answer: %w", k, err), 0)
	}
	if int64(len(b)) > limit {
		if ok {
			return sdk.Retryable(fmt.Errorf("%s: answer larger than %d MiB", k, limit>>20), 0)
		}
		b = b[:limit]
	}
	if !ok {
		return c.failure(k, resp, b)
	}
	if into == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(b, into); err != nil {
		return sdk.Retryable(fmt.Errorf("%s: answer is not the JSON expected: %w", k, err), 0)
	}
	return nil
}

// errorBody is MailerLite's error answer: a message and, for 422, the
// problems by field.
type errorBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

func (e errorBody) String() string {
	if len(e.Errors) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Errors))
	for k := range e.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+strings.Join(e.Errors[k], " "))
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

func (c *Client) failure(k call, resp *http.Response, body []byte) error {
	var e errorBody
	_ = json.Unmarshal(body, &e)
	detail := strconv.Itoa(resp.StatusCode)
	if e.Message != "" {
		detail += " " + e.String()
	}
	switch status := resp.StatusCode; {
	case status == http.StatusTooManyRequests:
		return sdk.Retryablef(c.rateWait(resp.Header), "%s: MailerLite's rate limit (%s)", k, detail)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sdk.Unauthenticated("%s: MailerLite refused the API key (%s)", k, detail)
	case status == http.StatusNotFound && k.subject != "":
		return sdk.NotFound("%s: MailerLite has no %s (%s)", k, k.subject, detail)
	case status == http.StatusNotFound:
		return sdk.Invalid("%s: MailerLite has no such endpoint (%s): check base_url", k, detail)
	case status >= 500:
		return sdk.Retryablef(0, "%s: MailerLite failed (%s)", k, detail)
	default:
		return sdk.Invalid("%s: MailerLite refused the call (%s)", k, detail)
	}
}

// rateWait reads how long a 429 asks to wait: Retry-After in seconds, else
// X-RateLimit-Reset (a Unix time), else DefaultRateWait.
func (c *Client) rateWait(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64); err == nil {
		if wait := time.Unix(t, 0).Sub(c.now()); wait > 0 {
			return wait.Round(time.Second) + time.Second
		}
	}
	return DefaultRateWait
}
