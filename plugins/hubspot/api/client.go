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
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// Defaults.
const (
	DefaultBaseURL = "https://api.hubapi.com"
	DefaultTimeout = 20 * time.Second
	// maxBody bounds an answer read from HubSpot.
	maxBody = 8 << 20
)

// Config is what a Client needs.
type Config struct {
	BaseURL     string
	AccessToken string
	Timeout     time.Duration
	// HTTPClient, when set, is used instead of one built from Timeout.
	HTTPClient *http.Client
}

// Client talks to one HubSpot account.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("base_url %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.AccessToken == "" {
		return nil, errors.New("access_token is empty")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		timeout := cfg.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		hc = &http.Client{Transport: sdk.APITransport(), Timeout: timeout}
	}
	return &Client{base: base, token: cfg.AccessToken, http: hc}, nil
}

// apiError is HubSpot's JSON error body.
type apiError struct {
	Status     string `json:"status"`
	Message    string `json:"message"`
	Category   string `json:"category"`
	ErrorType  string `json:"errorType"`
	PolicyName string `json:"policyName"`
}

// do sends one request and decodes a 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error names the URL, which carries no secret (the token is a header).
		return sdk.Retryable(fmt.Errorf("%s %s: %w", method, path, err), 0)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return sdk.Retryable(fmt.Errorf("%s %s: read answer: %w", method, path, err), 0)
	}
	if len(data) > maxBody {
		return sdk.Retryable(fmt.Errorf("%s %s: answer larger than %d bytes", method, path, maxBody), 0)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return sdk.Retryable(fmt.Errorf("%s %s: HubSpot's answer is not the JSON expected: %w", method, path, err), 0)
		}
		return nil
	}
	return answerError(method+" "+path, resp, data)
}

// answerError maps a non-2xx answer onto the SDK's kinds.
func answerError(call string, resp *http.Response, data []byte) error {
	var e apiError
	_ = json.Unmarshal(data, &e)
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		return sdk.Unauthenticated("%s: HubSpot refused the access token (401): %s", call, msg)
	case code == http.StatusNotFound && e.Category == "OBJECT_NOT_FOUND":
		return sdk.NotFound("%s: %s", call, msg)
	case code == http.StatusTooManyRequests:
		return sdk.Retryablef(rateLimitWait(resp.Header, e.PolicyName), "%s: HubSpot's rate limit (%s): %s", call, cmpOr(e.PolicyName, "429"), msg)
	case code >= 500 || code == http.StatusRequestTimeout:
		return sdk.Retryablef(retryAfter(resp.Header), "%s: HubSpot answered %d: %s", call, code, msg)
	case code == http.StatusForbidden:
		return sdk.Unauthenticated("%s: the access token lacks a scope (403): %s", call, msg)
	}
	return sdk.Invalid("%s: HubSpot answered %d %s: %s", call, resp.StatusCode, e.Category, msg)
}

// rateLimitWait is how long to wait after a 429: Retry-After when HubSpot
// sends it; else a second when the secondly budget is spent; else the
// interval of the rolling limit; an hour for the daily limit.
func rateLimitWait(h http.Header, policy string) time.Duration {
	if d := retryAfter(h); d > 0 {
		return d
	}
	if policy == "DAILY" || h.Get("X-HubSpot-RateLimit-Daily-Remaining") == "0" {
		return time.Hour
	}
	if h.Get("X-HubSpot-RateLimit-Secondly-Remaining") == "0" || policy == "SECONDLY" {
		return time.Second
	}
	if ms, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")); err == nil && ms > 0 && h.Get("X-HubSpot-RateLimit-Remaining") == "0" {
		return time.Duration(ms) * time.Millisecond
	}
	return time.Second
}

// retryAfter reads Retry-After in seconds (HubSpot sends seconds); 0 when absent.
func retryAfter(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func notFound(msg string) error { return sdk.NotFound("%s", msg) }
