package acme

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// maxResponseBytes bounds what the plugin reads of one answer from Acme.
const maxResponseBytes = 8 << 20

// client calls Acme's API with one account's key.
type client struct {
	base     string
	key      string
	pageSize int
	http     *http.Client
}

// apiError is the error body Acme answers with.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("Acme answered %d %s: %s", e.Status, e.Code, e.Message)
}

// account asks Acme which account the key belongs to.
func (c *client) account(ctx context.Context) (string, error) {
	var me struct {
		AccountID string `json:"account_id"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/me", nil, &me); err != nil {
		return "", err
	}
	return me.AccountID, nil
}

// do sends one request with the call's ctx, so the hub's deadline and
// cancellation end it, and turns Acme's answer into the kind of error the
// hub acts on.
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return sdk.Invalid("encode the request to Acme: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return sdk.Invalid("build the request to Acme: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error names the address, never the key (it is in a header).
		return sdk.Retryable(fmt.Errorf("reach Acme: %w", err), 0)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return sdk.Retryable(fmt.Errorf("read Acme's answer: %w", err), 0)
	}
	if resp.StatusCode >= 300 {
		return statusError(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return sdk.Retryable(fmt.Errorf("read Acme's answer to %s %s: %w", method, path, err), 0)
	}
	return nil
}

// statusError maps an Acme error answer to the kind the hub acts on.
func statusError(resp *http.Response, data []byte) error {
	var body struct{ Error apiError }
	_ = json.Unmarshal(data, &body) // a body that is not Acme's still gets a status
	cause := &body.Error
	cause.Status = resp.StatusCode
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return sdk.Unauthenticated("Acme refused the api_key: %w", cause)
	case code == http.StatusNotFound:
		return sdk.NotFound("%w", cause)
	case code == http.StatusTooManyRequests:
		return sdk.Retryablef(retryAfter(resp.Header.Get("Retry-After")), "Acme's rate limit: %w", cause)
	case code >= 500:
		return sdk.Retryable(cause, 0)
	default:
		return sdk.Invalid("%w", cause)
	}
}

// retryAfter reads a Retry-After of seconds; 0 when there is none.
func retryAfter(v string) time.Duration {
	secs, err := strconv.Atoi(v)
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}

// apiContact is a contact as Acme's API and webhooks write it.
type apiContact struct {
	ID     string            `json:"id"`
	Email  string            `json:"email"`
	Tags   []sdk.Tag         `json:"tags"`
	Fields map[string]string `json:"fields"`
}

func (c apiContact) sdk() sdk.Contact {
	tags := c.Tags
	if tags == nil {
		tags = []sdk.Tag{}
	}
	return sdk.Contact{ID: c.ID, Email: c.Email, Tags: tags, Fields: c.Fields}
}
