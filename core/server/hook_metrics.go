package server

import (
	"net/http"

	"github.com/crmhub/crmhub/core/config"
)

// countWebhook counts one answered webhook request. Labels stay few
// whatever callers send: a CRM that is not configured counts as
// "unknown", and so does an action that is missing or unknown.
func (s *Server) countWebhook(cfg *config.Config, crm, action string, code int) {
	if _, ok := cfg.CRMs[crm]; !ok {
		crm = "unknown"
	}
	if !knownAction(action) {
		action = "unknown"
	}
	s.Metrics.WebhookReceived(crm, action, code)
}

// statusRecorder remembers the status code a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
