package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crmhub/crmhub/sdk"
)

// errorBody holds both of Drip's error shapes: {"errors":[{"code",
// "message"}]} and the 429's {"message":…}.
type errorBody struct {
	Message string `json:"message"`
	Errors  []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// failure maps an error answer by its status.
func (c *Client) failure(k call, status int, header http.Header, body []byte) error {
	detail := describe(body)
	switch {
	case status == http.StatusTooManyRequests:
		wait := retryAfter(header)
		if wait <= 0 {
			wait = c.wait
		}
		return sdk.Retryable(fmt.Errorf("%s: Drip limits the request rate (HTTP 429%s%s)", k, detail, limits(header)), wait)
	case status >= 500 || status == http.StatusRequestTimeout:
		return sdk.Retryable(fmt.Errorf("%s: Drip failed (HTTP %d%s)", k, status, detail), retryAfter(header))
	case strings.Contains(strings.ToLower(detail), "concurrent requests"):
		// "Too many concurrent requests for the same subscriber": another
		// write to the subscriber is under way; its status is not
		// documented, so the message is what tells it from a real 4xx.
		return sdk.Retryable(fmt.Errorf("%s: Drip is busy with this subscriber (HTTP %d%s)", k, status, detail), concurrentWait)
	case status == http.StatusUnauthorized:
		return sdk.Unauthenticated("%s: Drip refused the API token (HTTP 401%s): check api_token", k, detail)
	case status == http.StatusForbidden:
		return sdk.Unauthenticated("%s: Drip refused access to the account (HTTP 403%s): check account_id and that the token's user belongs to it", k, detail)
	case status == http.StatusNotFound && k.subject != "":
		return sdk.NotFound("Drip has no %s (HTTP 404%s)", k.subject, detail)
	case status == http.StatusNotFound:
		return sdk.Invalid("%s: Drip answered HTTP 404%s: check base_url and account_id", k, detail)
	case status >= 400:
		return sdk.Invalid("%s: Drip rejected the request (HTTP %d%s)", k, status, detail)
	}
	return sdk.Retryable(fmt.Errorf("%s: unexpected answer HTTP %d%s", k, status, detail), 0)
}

// concurrentWait is the wait after Drip refused a call for a write to the
// same subscriber under way: such a write takes moments.
const concurrentWait = 5 * time.Second

// limits quotes the rate-limit headers for the operator.
func limits(header http.Header) string {
	limit, remaining := header.Get("X-RateLimit-Limit"), header.Get("X-RateLimit-Remaining")
	if limit == "" {
		return ""
	}
	return fmt.Sprintf("; limit %s, remaining %s", clip(limit), clip(remaining))
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(header http.Header) time.Duration {
	v := strings.TrimSpace(header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(seconds)*time.Second, 0)
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0)
	}
	return 0
}

// describe renders an error answer's codes and messages, starting with
// ": ", or "" when there are none.
func describe(body []byte) string {
	var e errorBody
	if json.Unmarshal(body, &e) == nil {
		var parts []string
		if e.Message != "" {
			parts = append(parts, clip(e.Message))
		}
		for _, item := range e.Errors {
			parts = append(parts, clip(strings.TrimSpace(item.Code+" "+item.Message)))
		}
		if len(parts) > 0 {
			return ": " + strings.Join(parts, "; ")
		}
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return ""
	}
	return ": " + excerpt(body)
}

func excerpt(body []byte) string {
	const n = 80
	if len(body) > n {
		return strconv.Quote(strings.ToValidUTF8(string(body[:n]), "")) + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(string(body), ""))
}

func clip(s string) string {
	const n = 200
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
