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
	// DefaultTimeout bounds one HTTP exchange when Config.Timeout is zero.
	DefaultTimeout = 20 * time.Second
	userAgent      = "crmhub-plugin-activecampaign"

	// maxAnswer bounds a successful answer (a page of 100 tags or fields,
	// one contact with its sideloads); maxErrorAnswer an error answer, of
	// which only the message is used.
	maxAnswer      = 8 << 20
	maxErrorAnswer = 16 << 10
)

// Config says where and how the client talks to ActiveCampaign.
type Config struct {
	// BaseURL is the account's API URL, https://<account>.api-us1.com.
	BaseURL string
	// Token is the account's API key, sent as the Api-Token header.
	Token string
	// Timeout bounds each HTTP exchange; zero means DefaultTimeout.
	Timeout time.Duration
	// Transport, when set, replaces the default connection pool.
	Transport http.RoundTripper
}

// Client calls ActiveCampaign's API; it is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New checks cfg and returns a client; it does not call ActiveCampaign.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("api_token is empty")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport := cfg.Transport
	if transport == nil {
		transport = sdk.APITransport()
	}
	return &Client{base: base, token: strings.TrimSpace(cfg.Token),
		http: &http.Client{Transport: transport, Timeout: timeout}}, nil
}

// ParseBaseURL accepts an absolute http(s) URL without query, fragment or
// user; a trailing slash and a trailing /api/3 are dropped, as operators
// paste either from ActiveCampaign's Developer settings.
func ParseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("base_url is empty: give the account's API URL, https://<account>.api-us1.com")
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
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/3")
	u.RawPath = ""
	return u, nil
}

// call is one API request.
type call struct {
	method string
	path   string // under /api/3
	query  url.Values
	body   any // sent as JSON when not nil
	// subject names the contact the call is about ("contact 12"): a 404
	// is then NotFound; without one it means a wrong base_url.
	subject string
}

func (k call) String() string { return k.method + " /api/3" + k.path }

// do sends k and decodes a successful JSON answer into into.
func (c *Client) do(ctx context.Context, k call, into any) error {
	req, err := c.newRequest(ctx, k)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
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
		return failure(k, resp.StatusCode, resp.Header, body)
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
	u.Path = c.base.Path + "/api/3" + k.path
	u.RawQuery = k.query.Encode()
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
		return nil, fmt.Errorf("%s: build request: %w", k, err)
	}
	if k.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Api-Token", c.token)
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}
