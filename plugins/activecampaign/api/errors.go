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

// errorBody holds both of ActiveCampaign's error shapes: {"message":…}
// (404, 403, 429) and {"errors":[{"title","detail"}]} (422).
type errorBody struct {
	Message string `json:"message"`
	Errors  []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// failure maps an error answer by its status.
func failure(k call, status int, header http.Header, body []byte) error {
	detail := describe(body)
	switch {
	case status == http.StatusTooManyRequests:
		return sdk.Retryable(fmt.Errorf("%s: ActiveCampaign limits the request rate (HTTP 429%s)", k, detail), rateLimitWait(header))
	case status >= 500 || status == http.StatusRequestTimeout:
		return sdk.Retryable(fmt.Errorf("%s: ActiveCampaign failed (HTTP %d%s)", k, status, detail), retryAfter(header))
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sdk.Unauthenticated("%s: ActiveCampaign refused the API key (HTTP %d%s): check api_token and base_url", k, status, detail)
	case status == http.StatusNotFound && k.subject != "":
		return sdk.NotFound("ActiveCampaign has no %s (HTTP 404%s)", k.subject, detail)
	case status == http.StatusNotFound:
		return sdk.Invalid("%s: ActiveCampaign answered HTTP 404%s: check base_url", k, detail)
	case status >= 400:
		return sdk.Invalid("%s: ActiveCampaign rejected the request (HTTP %d%s)", k, status, detail)
	}
	return sdk.Retryable(fmt.Errorf("%s: unexpected answer HTTP %d%s", k, status, detail), 0)
}

// defaultRateLimitWait is the wait after a 429 that names none: the
// documented limit is per second, so a second frees the account again.
const defaultRateLimitWait = time.Second

// rateLimitWait is Retry-After, or a second when it is missing.
func rateLimitWait(header http.Header) time.Duration {
	if d := retryAfter(header); d > 0 {
		return d
	}
	return defaultRateLimitWait
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

// describe renders an error answer's message for an error, starting with
// ": ", or "" when there is none.
func describe(body []byte) string {
	var e errorBody
	if json.Unmarshal(body, &e) == nil {
		var parts []string
		if e.Message != "" {
			parts = append(parts, clip(e.Message))
		}
		for _, item := range e.Errors {
			parts = append(parts, clip(strings.TrimSpace(item.Title+" "+item.Detail)))
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

// excerpt quotes the start of an unexpected answer (an HTML error page).
func excerpt(body []byte) string {
	const n = 80
	if len(body) > n {
		return strconv.Quote(strings.ToValidUTF8(string(body[:n]), "")) + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(string(body), ""))
}

// clip shortens a message and drops control characters, for one log line.
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
