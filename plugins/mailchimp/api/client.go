package api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

const (
	// DefaultTimeout bounds one HTTP exchange when Config.Timeout is zero.
	DefaultTimeout = 20 * time.Second
	// DefaultMaxConnections is Mailchimp's limit of simultaneous
	// connections per API key.
	DefaultMaxConnections = 10
	// DefaultThrottleWait is how long to wait after a 429 or a bare 403:
	// Mailchimp sends no Retry-After, and its limit counts open connections,
	// which free up within seconds.
	DefaultThrottleWait = 2 * time.Second

	userAgent      = "crmhub-plugin-mailchimp"
	maxAnswer      = 8 << 20
	maxErrorAnswer = 16 << 10
)

// Config says which audience the client reads and how.
type Config struct {
	// APIKey is "<key>-<dc>", e.g. "0123…cdef-us6".
	APIKey string
	// ListID is the audience's id.
	ListID string
	// BaseURL overrides https://<dc>.api.mailchimp.com/3.0 (tests).
	BaseURL string
	// Timeout bounds each HTTP exchange; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxConnections bounds the requests open at once; zero means
	// DefaultMaxConnections.
	MaxConnections int
	// ThrottleWait is the wait a throttled call asks for; zero means
	// DefaultThrottleWait.
	ThrottleWait time.Duration
	// Transport, when set, replaces the default transport.
	Transport http.RoundTripper
}

// Client calls Mailchimp's API for one audience. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	list     string
	key      string
	http     *http.Client
	slots    chan struct{}
	throttle time.Duration
}

var datacenter = regexp.MustCompile(`^[a-z]+[0-9]+$`)

// Datacenter returns the data center an API key belongs to, the part after
// its last dash, e.g. "us6". The error never quotes the key.
func Datacenter(apiKey string) (string, error) {
	i := strings.LastIndexByte(apiKey, '-')
	if i <= 0 || !datacenter.MatchString(apiKey[i+1:]) {
		return "", errors.New("api_key must end in its data center, e.g. …-us6, as Mailchimp shows it")
	}
	return apiKey[i+1:], nil
}

// New checks cfg and returns a client; it does not call Mailchimp.
func New(cfg Config) (*Client, error) {
	dc, err := Datacenter(cfg.APIKey)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.ListID) == "" {
		return nil, errors.New("list_id is empty: name the audience's id (Audience → Settings → Audience name and defaults)")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = "https://" + dc + ".api.mailchimp.com/3.0"
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
	conns := cfg.MaxConnections
	if conns <= 0 {
		conns = DefaultMaxConnections
	}
	wait := cfg.ThrottleWait
	if wait <= 0 {
		wait = DefaultThrottleWait
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = conns
		transport = t
	}
	return &Client{
		base: base, list: cfg.ListID, key: cfg.APIKey,
		http:  &http.Client{Transport: transport, Timeout: timeout},
		slots: make(chan struct{}, conns), throttle: wait,
	}, nil
}

// SubscriberHash is Mailchimp's member id: the MD5 of the lower-cased address.
func SubscriberHash(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// Problem is Mailchimp's error body (RFC 7807 problem JSON).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

// call is one API request; subject names what a 404 means ("member x"),
// or is empty when a 404 means the audience itself is unknown.
type call struct {
	method  string
	path    string
	query   url.Values
	body    any
	subject string
}

func (k call) String() string { return k.method + " " + k.path }

// do sends k and decodes a 2xx JSON answer into into (unless nil).
func (c *Client) do(ctx context.Context, k call, into any) error {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return sdk.Retryable(fmt.Errorf("%s: wait for a free connection: %w", k, ctx.Err()), 0)
	}
	defer func() { <-c.slots }()

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
	req.SetBasicAuth("crmhub", c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is ours and harmless, but keep messages short
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
		return c.failure(k, resp.StatusCode, b)
	}
	if into == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(b, into); err != nil {
		return sdk.Retryable(fmt.Errorf("%s: answer is not the JSON expected: %w", k, err), 0)
	}
	return nil
}

// failure maps an error answer to an SDK error by status and problem JSON.
func (c *Client) failure(k call, status int, body []byte) error {
	var p Problem
	isProblem := json.Unmarshal(body, &p) == nil && p.Title != ""
	detail := fmt.Sprintf("%d", status)
	if isProblem {
		detail = fmt.Sprintf("%d %s: %s", status, p.Title, p.Detail)
	}
	switch {
	case status == http.StatusTooManyRequests:
		return sdk.Retryablef(c.throttle, "%s: Mailchimp throttled the call (%s)", k, detail)
	case status == http.StatusForbidden && !isProblem:
		// Mailchimp's throttling sometimes surfaces as a bare 403 from its
		// edge, without the problem JSON of a real refusal.
		return sdk.Retryablef(c.throttle, "%s: Mailchimp answered a bare 403 (throttled)", k)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sdk.Unauthenticated("%s: Mailchimp refused the API key (%s)", k, detail)
	case status == http.StatusNotFound && k.subject != "":
		return sdk.NotFound("%s: no %s in audience %s (%s)", k, k.subject, c.list, detail)
	case status == http.StatusNotFound:
		return sdk.Invalid("%s: Mailchimp has no audience %s (%s): check list_id", k, c.list, detail)
	case status >= 500:
		return sdk.Retryablef(0, "%s: Mailchimp failed (%s)", k, detail)
	default:
		return sdk.Invalid("%s: Mailchimp refused the call (%s)", k, detail)
	}
}
