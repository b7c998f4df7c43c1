package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// Door is what the webhook handler needs of the CRMs' plugins: each CRM's
// webhook profile, and the check of a CRM whose profile asks for one
// (docs/http.md, "Checked at the door").
type Door interface {
	// Profile returns the CRM's webhook profile, waiting up to wait for a
	// plugin being launched for the first time; false when it is not known.
	// A known profile is returned at once, without a timer for the wait.
	Profile(ctx context.Context, crm string, wait time.Duration) (sdk.WebhookProfile, bool)
	// CheckWebhook has the CRM's plugin judge a request. An error means
	// no verdict: the plugin is down, not configured, or failed.
	CheckWebhook(ctx context.Context, crm string, req sdk.Request) (sdk.Verdict, error)
}

// Bounds of the door. A CRM that is told to come back later does so, so
// a slow plugin costs a retry, never a request held open.
const (
	profileWait  = 10 * time.Second // a first launch, at the hub's start
	checkTimeout = 5 * time.Second
	retryAfter   = "30"
)

// profile returns the CRM's webhook profile; without a Door every CRM has
// the zero profile (store any request with the right key, answer 202).
func (s *Server) profile(ctx context.Context, crm string) (sdk.WebhookProfile, bool) {
	if s.Door == nil {
		return sdk.WebhookProfile{}, true
	}
	return s.Door.Profile(ctx, crm, profileWait)
}

// checkAtDoor has the plugin judge the request and answers it unless the
// plugin accepted it; it reports whether the request is to be stored.
func (s *Server) checkAtDoor(w http.ResponseWriter, r *http.Request, crm string, body []byte, received time.Time) bool {
	ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
	defer cancel()
	verdict, err := s.Door.CheckWebhook(ctx, crm, doorRequest(r, body, received))
	if err != nil {
		s.Log.Warn("webhook not checked: its plugin gave no verdict", "crm", crm, "err", err)
		retryLater(w, "the CRM's plugin cannot check webhooks now; nothing stored, retry later")
		return false
	}
	switch verdict.Decision {
	case sdk.DecisionAccept:
		return true
	case sdk.DecisionAnswer:
		writeAnswer(w, verdict.Answer, http.StatusOK)
	case sdk.DecisionReject:
		s.rejections.record(r.Context(), s, crm, verdict.Reason)
		status := verdict.RejectStatus()
		if verdict.Answer.Status != 0 || len(verdict.Answer.Body) > 0 {
			writeAnswer(w, verdict.Answer, status)
			break
		}
		writeError(w, status, "webhook rejected: "+oneLine(verdict.Reason, maxReason))
	default:
		s.Log.Error("webhook not checked: unknown verdict", "crm", crm, "decision", int(verdict.Decision))
		retryLater(w, "the CRM's plugin gave no usable verdict; nothing stored, retry later")
	}
	return false
}

// doorRequest is the request as the sender made it: the full URL with
// scheme and host, the access key included, the headers and the body
// unchanged.
func doorRequest(r *http.Request, body []byte, received time.Time) sdk.Request {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return sdk.Request{
		Method:     r.Method,
		URL:        scheme + "://" + r.Host + r.URL.RequestURI(),
		Header:     r.Header.Clone(),
		Body:       body,
		RemoteAddr: r.RemoteAddr,
		ReceivedAt: received,
	}
}

// writeAnswer sends an answer a plugin gave; status stands in for a zero
// Status.
func writeAnswer(w http.ResponseWriter, a sdk.Answer, status int) {
	if a.Status != 0 {
		status = a.Status
	}
	if a.ContentType != "" {
		w.Header().Set("Content-Type", a.ContentType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(a.Body) //nolint:errcheck // the client went away
}

func retryLater(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", retryAfter)
	writeError(w, http.StatusServiceUnavailable, msg)
}

// Rejections are logged as activity at most this often per CRM, after a
// burst: a flood of forged requests must not fill the log. The metric
// counts every one.
const (
	rejectionBurst    = 10
	rejectionInterval = 6 * time.Second
	// maxReasonLabels bounds the reason label's values; later reasons
	// count as "other".
	maxReasonLabels = 32
	maxReason       = 200 // characters of a reason in an activity line or answer
)

// rejections writes and counts what the plugins reject at the door.
type rejections struct {
	mu         sync.Mutex
	limits     map[string]*rate.Limiter
	suppressed map[string]int
	labels     map[string]bool
}

func newRejections() *rejections {
	return &rejections{limits: map[string]*rate.Limiter{}, suppressed: map[string]int{}, labels: map[string]bool{}}
}

// record counts a rejection and writes its activity line unless the CRM
// has had its share; the next line written says how many were not.
func (rj *rejections) record(ctx context.Context, s *Server, crm, reason string) {
	rj.mu.Lock()
	label := rj.label(reason)
	lim, ok := rj.limits[crm]
	if !ok {
		lim = rate.NewLimiter(rate.Every(rejectionInterval), rejectionBurst)
		rj.limits[crm] = lim
	}
	write := lim.Allow()
	skipped := rj.suppressed[crm]
	if write {
		rj.suppressed[crm] = 0
	} else {
		rj.suppressed[crm]++
	}
	rj.mu.Unlock()

	s.Metrics.WebhookRejected(crm, label)
	if !write {
		return
	}
	msg := "Webhook rejected at the door, nothing stored: " + oneLine(reason, maxReason)
	if skipped > 0 {
		msg += fmt.Sprintf(" (%d more rejected since the last such line; not logged one by one)", skipped)
	}
	if err := s.Store.AddActivity(ctx, &store.Activity{CRM: crm, Level: "warning", Message: msg}); err != nil {
		s.Log.Warn("record a rejected webhook", "crm", crm, "err", err)
	}
}

// label is a reason cut to a metric label: its first three words, lower
// case letters only, so ids and timestamps in a reason do not make new
// series; past maxReasonLabels distinct ones, "other".
func (rj *rejections) label(reason string) string {
	var words []string
	for w := range strings.FieldsSeq(strings.ToLower(reason)) {
		w = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, w)
		if w != "" {
			words = append(words, w)
		}
		if len(words) == 3 {
			break
		}
	}
	label := strings.Join(words, " ")
	if label == "" {
		label = "unspecified"
	}
	if !rj.labels[label] {
		if len(rj.labels) >= maxReasonLabels {
			return "other"
		}
		rj.labels[label] = true
	}
	return label
}

// oneLine keeps a plugin's text to one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
