package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/store"
)

// maxWait is the longest ?wait= a caller gets; the HTTP server's write
// timeout is longer.
const maxWait = 30 * time.Second

// hook receives POST or GET /hooks/{crm}.
func (s *Server) hook(w http.ResponseWriter, r *http.Request) {
	s.receive(w, r, r.PathValue("crm"))
}

// wpFusionHook receives WP Fusion's webhook URL, /?wpf_action=…, for the
// default CRM, so moving from WP Fusion only changes the host.
func (s *Server) wpFusionHook(w http.ResponseWriter, r *http.Request) {
	crm := s.Config().Server.DefaultCRM
	if crm == "" || (r.URL.Query().Get("wpf_action") == "" && r.URL.Query().Get("action") == "") {
		http.NotFound(w, r)
		return
	}
	s.receive(w, r, crm)
}

// receive runs the checks docs/http.md lists, in their order, then stores the
// webhook and answers 202 (or, with ?wait=, its outcome).
func (s *Server) receive(w http.ResponseWriter, r *http.Request, crm string) {
	cfg := s.Config()
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	w = rec
	var action string
	defer func() { s.countWebhook(cfg, crm, action, rec.status) }()

	if c, ok := cfg.CRMs[crm]; !ok || !c.Enabled {
		writeError(w, http.StatusNotFound, "no enabled CRM named "+strconv.Quote(crm))
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "use GET or POST")
		return
	}
	// The server's own writer: it learns to close the connection.
	body, err := io.ReadAll(http.MaxBytesReader(rec.ResponseWriter, r.Body, int64(cfg.Server.MaxBody)))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body larger than server.max_body ("+cfg.Server.MaxBody.String()+")")
			return
		}
		writeError(w, http.StatusBadRequest, "could not read the body")
		return
	}
	wr := parseWebhook(r, body)
	action = wr.param("action", "wpf_action")
	if !keyMatches(wr.key, cfg.CRMAccessKey(crm)) {
		writeError(w, http.StatusForbidden, "missing or wrong access_key")
		return
	}
	wait, err := parseWait(wr.param("wait"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if action == actionTest {
		s.testHook(w, r, crm)
		return
	}
	profile, known := s.profile(r.Context(), crm)
	if !known {
		retryLater(w, "the CRM's plugin has not started yet, so how its webhooks are taken is unknown; nothing stored, retry later")
		return
	}
	if profile.Check && !s.checkAtDoor(w, r, crm, body, start) {
		return
	}
	if action == "" {
		action = string(profile.DefaultAction)
	}
	if action == "" || !knownAction(action) {
		writeError(w, http.StatusBadRequest, "action must be add, update, update_tags or test")
		return
	}

	ev := newEvent(crm, action, r.Method, wr, s.secretsOf(cfg))
	if err := s.Inbox.Accept(r.Context(), ev); err != nil {
		s.refuse(w, crm, err)
		return
	}
	s.Metrics.Ingested(crm, time.Since(start))
	switch {
	case profile.Ack.Status != 0: // the CRM needs its own answer, ?wait= or not
		writeAnswer(w, profile.Ack, profile.Ack.Status)
	case wait == 0:
		writeReceipt(w, ev.ID)
	default:
		s.answerWhenFinal(w, r, ev, wait)
	}
}

// writeReceipt answers 202 with the receipt of webhook id, stored and not
// yet final: {"id":"…","status":"received"}, as writeJSON would write it.
// It is the answer to nearly every webhook, so it is written without
// encoding/json's reflection.
func writeReceipt(w http.ResponseWriter, id int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	b := make([]byte, 0, 64)
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `","status":"`+store.StatusReceived+"\"}\n"...)
	_, _ = w.Write(b) // the client went away; nothing to do
}

// testHook answers a CRM's connection test: one activity line, no event.
func (s *Server) testHook(w http.ResponseWriter, r *http.Request, crm string) {
	line := &store.Activity{CRM: crm, Message: "Test webhook received: the connection works."}
	if err := s.Store.AddActivity(r.Context(), line); err != nil {
		s.Log.Error("record test webhook", "crm", crm, "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// refuse answers a webhook the inbox did not take.
func (s *Server) refuse(w http.ResponseWriter, crm string, err error) {
	if errors.Is(err, inbox.ErrBacklogFull) {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, "too many webhooks waiting; retry later")
		return
	}
	s.Log.Error("webhook not stored", "crm", crm, "err", err)
	writeError(w, http.StatusServiceUnavailable, "store unavailable; webhook not accepted")
}

// answerWhenFinal waits up to wait for the event's outcome: 200 when
// final, else 202 with what is known so far.
func (s *Server) answerWhenFinal(w http.ResponseWriter, r *http.Request, ev *store.Event, wait time.Duration) {
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	got, err := s.Inbox.Wait(ctx, ev.ID)
	if err != nil {
		writeReceipt(w, ev.ID)
		return
	}
	out := NewEventOutcome(got)
	if got.ID != ev.ID { // merged into got: answer for the event the caller sent
		out.CoalescedInto, out.ID = out.ID, formatID(ev.ID)
	}
	status := http.StatusAccepted
	if store.Final(out.Status) { // a request's items' status together
		status = http.StatusOK
	}
	writeJSON(w, status, out)
}

// parseWait reads ?wait=: a duration such as 5s, at most maxWait.
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("wait must be a duration such as 5s")
	}
	return min(d, maxWait), nil
}

// newEvent builds the inbox row for a webhook whose key was taken out.
// As a last guard, every secret a hook could be sent is redacted from
// every text stored, wherever and however it was sent.
func newEvent(crm, action, method string, wr *webhookRequest, secrets []string) *store.Event {
	return &store.Event{
		CRM:              crm,
		Action:           action,
		Role:             redactText(wr.param("role"), secrets),
		SendNotification: wr.param("send_notification") == "true",
		Method:           method,
		Query:            redactText(wr.query.Encode(), secrets),
		Header:           redactText(headerJSON(wr.header), secrets),
		ContentType:      redactText(wr.header.Get("Content-Type"), secrets),
		Body:             redactSecrets(wr.body, secrets),
	}
}

// secretsOf is hookSecrets(cfg), listed once for each configuration
// rather than for each webhook.
func (s *Server) secretsOf(cfg *config.Config) []string {
	if listed := s.secrets.Load(); listed != nil && listed.cfg == cfg {
		return listed.secrets
	}
	secrets := hookSecrets(cfg)
	s.secrets.Store(&configSecrets{cfg: cfg, secrets: secrets})
	return secrets
}

// configSecrets are a configuration's hookSecrets.
type configSecrets struct {
	cfg     *config.Config
	secrets []string
}

// hookSecrets lists what must never be stored from a webhook, should a
// client send it to a hook: every access key, the admin token, and every
// app's token and configured signing secret. A disabled app's are kept out
// too: they are live again the moment the app is enabled.
func hookSecrets(cfg *config.Config) []string {
	secrets := []string{cfg.AccessKey, cfg.Admin.Token}
	for _, crm := range cfg.CRMs {
		secrets = append(secrets, crm.AccessKey)
	}
	for _, app := range cfg.Apps {
		secrets = append(secrets, app.Token, app.Secret)
	}
	slices.SortFunc(secrets, longerFirst) // as redactSecrets tries them
	return secrets
}
