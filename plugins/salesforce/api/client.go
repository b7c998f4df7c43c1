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
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/crmhub/crmhub/sdk"
)

const (
	// DefaultLoginURL is where a production org's tokens come from; the
	// client credentials flow needs the org's My Domain URL instead in
	// most orgs.
	DefaultLoginURL = "https://login.salesforce.com"
	// DefaultAPIVersion is the REST API version used.
	DefaultAPIVersion = "v60.0"
	// DefaultTimeout bounds one HTTP call.
	DefaultTimeout = 20 * time.Second
	// LimitWait is how long to wait after 403 REQUEST_LIMIT_EXCEEDED.
	// Salesforce names no time; the limit counts a rolling 24 hours.
	LimitWait = 15 * time.Minute
	// maxBody bounds a response body read (a Contact describe of an org
	// with many custom fields runs to a few megabytes).
	maxBody = 16 << 20
	// limitWarnPercent is the share of the org's API limit from which the
	// client logs a warning.
	limitWarnPercent = 80
)

var apiVersion = regexp.MustCompile(`^v\d{2,3}\.\d$`)

// Config is what New needs.
type Config struct {
	LoginURL     string
	ClientID     string
	ClientSecret string
	APIVersion   string
	Timeout      time.Duration
	Logger       hclog.Logger
}

// Client talks to one Salesforce org. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	log  hclog.Logger

	// refresh is a one-slot semaphore: one token request at a time, and
	// calls that found the same token stale wait for it rather than ask
	// again.
	refresh chan struct{}
	session chan session // one slot, holds the current session
}

type session struct {
	token    string
	instance string
	gen      int // counts tokens; 0: none yet
}

// New checks cfg and returns a client without a token yet.
func New(cfg Config) (*Client, error) {
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	cfg.LoginURL = strings.TrimRight(cfg.LoginURL, "/")
	if u, err := url.Parse(cfg.LoginURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("login_url %q is not an http(s) URL such as %s", cfg.LoginURL, DefaultLoginURL)
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if !apiVersion.MatchString(cfg.APIVersion) {
		return nil, fmt.Errorf("api_version %q is not a version such as %s", cfg.APIVersion, DefaultAPIVersion)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("client_id and client_secret are required: the connected app's consumer key and secret")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	c := &Client{
		cfg: cfg, log: cfg.Logger,
		http:    &http.Client{Transport: sdk.APITransport(), Timeout: cfg.Timeout},
		refresh: make(chan struct{}, 1),
		session: make(chan session, 1),
	}
	c.session <- session{}
	return c, nil
}

// current returns the session in use.
func (c *Client) current() session {
	s := <-c.session
	c.session <- s
	return s
}

// Authenticate gets a new access token, unless another call already got
// one newer than stale (a generation; 0 forces a new token).
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.renew(ctx, -1)
	return err
}

func (c *Client) renew(ctx context.Context, stale int) (session, error) {
	select {
	case c.refresh <- struct{}{}:
	case <-ctx.Done():
		return session{}, sdk.Retryable(fmt.Errorf("wait for a Salesforce token: %w", ctx.Err()), 0)
	}
	defer func() { <-c.refresh }()
	if s := c.current(); stale >= 0 && s.gen > stale {
		return s, nil // another call got a fresh token meanwhile
	}
	token, instance, err := c.fetchToken(ctx)
	if err != nil {
		return session{}, err
	}
	s := <-c.session
	next := session{token: token, instance: instance, gen: s.gen + 1}
	c.session <- next
	return next, nil
}

type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	InstanceURL      string `json:"instance_url"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// fetchToken runs the OAuth 2.0 client credentials flow.
func (c *Client) fetchToken(ctx context.Context) (token, instance string, err error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.LoginURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", "", sdk.Invalid("build the token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", "", sdk.Retryable(fmt.Errorf("request a Salesforce token: %w", scrub(err)), 0)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", "", sdk.Retryable(fmt.Errorf("read Salesforce's token answer: %w", err), 0)
	}
	var t tokenAnswer
	jsonErr := json.Unmarshal(body, &t)
	switch {
	case resp.StatusCode >= 500:
		return "", "", sdk.Retryablef(0, "Salesforce's token endpoint answered %d", resp.StatusCode)
	case resp.StatusCode >= 400 && jsonErr == nil && t.Error != "":
		return "", "", sdk.Unauthenticated("Salesforce refused the client credentials: %s (%s)", t.Error, t.ErrorDescription)
	case resp.StatusCode >= 400:
		return "", "", sdk.Unauthenticated("Salesforce's token endpoint answered %d: check login_url (the org's My Domain URL)", resp.StatusCode)
	case jsonErr != nil || t.AccessToken == "" || t.InstanceURL == "":
		return "", "", sdk.Retryablef(0, "Salesforce's token answer (status %d) has no access_token and instance_url", resp.StatusCode)
	}
	u, err := url.Parse(t.InstanceURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", sdk.Retryablef(0, "Salesforce's token answer has an instance_url that is not a URL")
	}
	return t.AccessToken, strings.TrimRight(t.InstanceURL, "/"), nil
}

// scrub drops the URL from a transport error: a token request's URL
// carries no secret, but keep error texts short and predictable.
func scrub(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// apiError is one element of Salesforce's error array.
type apiError struct {
	Message   string   `json:"message"`
	ErrorCode string   `json:"errorCode"`
	Fields    []string `json:"fields"`
}

// do calls the REST API: method on path (below /services/data/<version>,
// or an absolute path starting with /services/), with a JSON body when in
// is not nil, decoding a 2xx JSON answer into out when not nil. It gets a
// new token once when the session has expired.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	s := c.current()
	if s.gen == 0 {
		var err error
		if s, err = c.renew(ctx, 0); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		status, body, err := c.send(ctx, s, method, path, in)
		if err != nil {
			return err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			c.log.Debug("salesforce session expired, getting a new token")
			if s, err = c.renew(ctx, s.gen); err != nil {
				return err
			}
			continue
		}
		if err := answerError(method, redactPath(path), status, body); err != nil {
			return err
		}
		if out != nil {
			if err := json.Unmarshal(body, out); err != nil {
				return sdk.Retryable(fmt.Errorf("%s %s: read Salesforce's answer: %w", method, redactPath(path), err), 0)
			}
		}
		return nil
	}
}

func (c *Client) send(ctx context.Context, s session, method, path string, in any) (int, []byte, error) {
	shown := redactPath(path) // for messages
	target := s.instance + path
	if !strings.HasPrefix(path, "/services/") {
		target = s.instance + "/services/data/" + c.cfg.APIVersion + "/" + path
	}
	var reqBody io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, nil, sdk.Invalid("%s %s: encode the body: %w", method, shown, err)
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reqBody)
	if err != nil {
		return 0, nil, sdk.Invalid("%s %s: build the request: %w", method, shown, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, sdk.Retryable(fmt.Errorf("%s %s: %w", method, shown, scrub(err)), 0)
	}
	defer resp.Body.Close()
	c.noteLimit(ctx, resp.Header.Get("Sforce-Limit-Info"))
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, sdk.Retryable(fmt.Errorf("%s %s: read the answer: %w", method, shown, err), 0)
	}
	if len(body) > maxBody {
		return 0, nil, sdk.Retryablef(0, "%s %s: the answer is larger than %d bytes", method, shown, maxBody)
	}
	return resp.StatusCode, body, nil
}

// answerError maps a status and error body to the SDK's kinds; nil for 2xx.
func answerError(method, path string, status int, body []byte) error {
	if status >= 200 && status < 300 {
		return nil
	}
	var errs []apiError
	_ = json.Unmarshal(body, &errs)
	code, msg := "", ""
	if len(errs) > 0 {
		code, msg = errs[0].ErrorCode, redactEmails(firstLine(errs[0].Message))
	}
	what := fmt.Sprintf("%s %s: Salesforce answered %d %s %s", method, path, status, code, msg)
	what = strings.TrimSpace(what)
	switch {
	case status == http.StatusUnauthorized:
		return sdk.Unauthenticated("%s", what)
	case status == http.StatusForbidden && code == "REQUEST_LIMIT_EXCEEDED":
		return sdk.Retryablef(LimitWait, "%s", what)
	case status == http.StatusForbidden:
		return sdk.Unauthenticated("%s (the connected app's run-as user lacks a permission)", what)
	case status == http.StatusNotFound:
		return sdk.NotFound("%s", what)
	case status == http.StatusTooManyRequests || status >= 500:
		return sdk.Retryablef(0, "%s", what)
	default:
		return sdk.Invalid("%s", what)
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// noteLimit logs the org's API usage when it nears the limit
// (Sforce-Limit-Info: api-usage=18/5000).
func (c *Client) noteLimit(ctx context.Context, info string) {
	usage, ok := strings.CutPrefix(strings.TrimSpace(info), "api-usage=")
	if !ok {
		return
	}
	usedText, limitText, _ := strings.Cut(usage, "/")
	used, err1 := strconv.Atoi(usedText)
	limit, err2 := strconv.Atoi(limitText)
	if err1 != nil || err2 != nil || limit <= 0 {
		return
	}
	if used*100 >= limit*limitWarnPercent {
		log := c.log
		if id := sdk.EventID(ctx); id != "" {
			log = log.With("event_id", id)
		}
		log.Warn("the Salesforce org is near its daily API request limit", "used", used, "limit", limit)
	}
}

// redactPath keeps an e-mail address a query names (WHERE Email = '…') out
// of messages: the query is left out.
func redactPath(p string) string {
	if before, _, found := strings.Cut(p, "?"); found && (strings.Contains(p, "%40") || strings.Contains(p, "@")) {
		return before + "?q=<a query naming an e-mail address>"
	}
	return p
}

// emailLike matches an e-mail address, as Salesforce may quote one from a
// query in an error message.
var emailLike = regexp.MustCompile(`[^\s'"=<>()]+@[^\s'"<>()]+`)

func redactEmails(s string) string { return emailLike.ReplaceAllString(s, "<e-mail>") }
