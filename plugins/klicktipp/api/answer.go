package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crmhub/crmhub/sdk"
)

// decode turns the answer to k (other than a refusal of the credentials,
// which Client.do handles) into into, or into an sdk error.
func (a answer) decode(k call, into any) error {
	if a.status/100 != 2 {
		return failure(k, a)
	}
	if into == nil {
		return nil
	}
	if err := unmarshal(a.body, into); err != nil {
		if k.secret {
			return sdk.Retryable(fmt.Errorf("%s: answer is not the JSON expected", k), 0)
		}
		return sdk.Retryable(fmt.Errorf("%s: answer is not the JSON expected (%w): %s", k, err, excerpt(a.body)), 0)
	}
	return nil
}

// unmarshal decodes an answer into into. A contact's reader checks the
// JSON's syntax as it goes, so it is spared encoding/json's pass over
// the whole answer before it.
func unmarshal(body []byte, into any) error {
	if s, ok := into.(*Subscriber); ok {
		return s.UnmarshalJSON(body)
	}
	return json.Unmarshal(body, into)
}

// failure maps an error answer by its status and, when the body has one,
// KlickTipp's numeric error code — never by message text, which varies.
func failure(k call, a answer) error {
	status, body := a.status, a.body
	detail := describe(body)
	switch {
	case status == http.StatusTooManyRequests:
		return sdk.Retryable(fmt.Errorf("%s: KlickTipp limits the request rate (HTTP 429%s)", k, detail), retryAfter(a.header))
	case status >= 500:
		return sdk.Retryable(fmt.Errorf("%s: KlickTipp failed (HTTP %d%s)", k, status, detail), retryAfter(a.header))
	}
	if code, ok := errorCode(body); ok {
		return codeError(k, status, code, detail)
	}
	switch {
	case (status == http.StatusNotFound || status == http.StatusNotAcceptable) && k.subject != "":
		return sdk.NotFound("KlickTipp has no %s (HTTP %d%s)", k.subject, status, detail)
	case status == http.StatusNotFound:
		return sdk.Invalid("%s: KlickTipp answered HTTP 404%s: check base_url", k, detail)
	case status >= 400:
		return sdk.Invalid("%s: KlickTipp rejected the request (HTTP %d%s)", k, status, detail)
	default:
		return sdk.Retryable(fmt.Errorf("%s: unexpected answer HTTP %d%s", k, status, detail), 0)
	}
}

// errorCodes is KlickTipp's table of numeric error codes, as in the
// {"error":N} answers, with what each means for the hub.
var errorCodes = map[int]struct {
	kind    sdk.Kind
	meaning string
}{
	4:   {sdk.KindNotFound, "subscription not found"},
	5:   {sdk.KindInvalid, "e-mail address invalid"},
	7:   {sdk.KindNotFound, "subscriber e-mail not found"},
	8:   {sdk.KindInvalid, "field validation failed"},
	9:   {sdk.KindInvalid, "not subscribed"},
	10:  {sdk.KindRetryable, "update failed"},
	30:  {sdk.KindInvalid, "e-mail change not allowed"},
	31:  {sdk.KindInvalid, "cannot untag a SmartTag"},
	401: {sdk.KindUnauthenticated, "user not found"},
	403: {sdk.KindNotFound, "tag not found"},
	507: {sdk.KindInvalid, "e-mail address exists"},
}

func codeError(k call, status, code int, detail string) error {
	entry, known := errorCodes[code]
	if !known {
		// A code this plugin does not know: retrying is the safe guess,
		// and the hub gives up after its attempts.
		return sdk.Retryable(fmt.Errorf("%s: KlickTipp error %d (HTTP %d%s)", k, code, status, detail), 0)
	}
	switch entry.kind {
	case sdk.KindNotFound:
		subject := k.subject
		if subject == "" {
			subject = "such entity"
		}
		return sdk.NotFound("KlickTipp has no %s: error %d, %s (HTTP %d%s)", subject, code, entry.meaning, status, detail)
	case sdk.KindInvalid:
		return sdk.Invalid("%s: KlickTipp error %d, %s (HTTP %d%s)", k, code, entry.meaning, status, detail)
	case sdk.KindUnauthenticated:
		return sdk.Unauthenticated("%s: KlickTipp error %d, %s (HTTP %d%s): check username", k, code, entry.meaning, status, detail)
	default:
		return sdk.Retryable(fmt.Errorf("%s: KlickTipp error %d, %s (HTTP %d%s)", k, code, entry.meaning, status, detail), 0)
	}
}

// errorBody is the object form of an error answer: {"error":7}, newer ones
// with code, field, name and reason.
type errorBody struct {
	Error  *text `json:"error"`
	Field  text  `json:"field"`
	Reason text  `json:"reason"`
}

func errorCode(body []byte) (int, bool) {
	var e errorBody
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return 0, false
	}
	code, err := strconv.Atoi(string(*e.Error))
	return code, err == nil
}

// describe renders an error answer for a message, starting with ": ", or
// "" for an empty body: KlickTipp's message (["Diesen Kontakt gibt es
// nicht."]), the reason and field of an error object, or an excerpt.
func describe(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var messages []text
	if json.Unmarshal(body, &messages) == nil && len(messages) > 0 {
		return ": " + clip(string(messages[0]), 200)
	}
	var e errorBody
	if json.Unmarshal(body, &e) == nil && e.Error != nil {
		var parts []string
		if e.Reason != "" {
			parts = append(parts, clip(string(e.Reason), 200))
		}
		if e.Field != "" {
			parts = append(parts, "field "+clip(string(e.Field), 80))
		}
		if len(parts) == 0 {
			return ""
		}
		return ": " + strings.Join(parts, ", ")
	}
	return ": " + excerpt(body)
}

// excerpt quotes the start of an answer that is not what was expected, so
// an operator can see what came back (an HTML error page, a proxy's text).
func excerpt(body []byte) string {
	const n = 80
	if len(body) > n {
		return strconv.Quote(strings.ToValidUTF8(string(body[:n]), "")) + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(string(body), ""))
}

// clip shortens a message from KlickTipp and drops control characters, so
// it is safe in one log line.
func clip(s string, n int) string {
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

// confirmed reports whether an answer such as [true] confirms a change;
// only an explicit false (or [false]) does not.
func confirmed(answer json.RawMessage) bool {
	var flags []bool
	if json.Unmarshal(answer, &flags) == nil && len(flags) > 0 {
		return flags[0]
	}
	var flag bool
	if json.Unmarshal(answer, &flag) == nil {
		return flag
	}
	return true
}

var errNotConfirmed = errors.New("KlickTipp did not confirm the change")
