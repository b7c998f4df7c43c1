package fakesalesforce

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// apiPath matches the REST API's paths: /services/data/vNN.N/<rest>.
var apiPath = regexp.MustCompile(`^/services/data/(v\d+\.\d)/(.*)$`)

type answer struct {
	status int
	header http.Header
	body   []byte
}

func jsonAnswer(status int, v any) answer {
	b, _ := json.Marshal(v)
	return answer{status: status, header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}}, body: b}
}

// apiError is Salesforce's REST error body: an array of one error.
func apiError(status int, code, message string) answer {
	return jsonAnswer(status, []map[string]any{{"message": message, "errorCode": code}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	call := Call{Method: r.Method, Path: r.URL.Path}
	if strings.HasSuffix(r.URL.Path, "/query") {
		call.Query = r.URL.Query().Get("q")
	}

	s.mu.Lock()
	stall := s.stall
	fault := s.takeFault(r.Method + " " + r.URL.Path)
	s.mu.Unlock()
	if stall != nil {
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
	}
	if fault != nil && fault.Delay > 0 {
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			return
		}
	}

	s.mu.Lock()
	var a answer
	switch {
	case fault != nil && fault.Status != 0:
		a = answer{status: fault.Status, header: fault.Header.Clone(), body: []byte(fault.Body)}
	case r.URL.Path == "/services/oauth2/token":
		a = s.token(r, body)
	default:
		a = s.api(r, body)
	}
	if strings.HasPrefix(r.URL.Path, "/services/data/") {
		if a.header == nil {
			a.header = http.Header{}
		}
		a.header.Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.used, s.limit))
	}
	call.Status = a.status
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// token is the OAuth 2.0 token endpoint, client credentials flow only.
// Called with mu held.
func (s *Server) token(r *http.Request, body []byte) answer {
	oauthError := func(code, description string) answer {
		return jsonAnswer(http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
	}
	if r.Method != http.MethodPost {
		return oauthError("invalid_request", "must use HTTP POST")
	}
	form, err := parseForm(r, body)
	if err != nil {
		return oauthError("invalid_request", "invalid request body")
	}
	if form.Get("grant_type") != "client_credentials" {
		return oauthError("unsupported_grant_type", "grant type not supported")
	}
	secret, ok := s.clients[form.Get("client_id")]
	if !ok {
		return oauthError("invalid_client_id", "client identifier invalid")
	}
	if secret != form.Get("client_secret") {
		return oauthError("invalid_client", "invalid client credentials")
	}
	token := s.OrgID[:15] + "!" + randomHex(24)
	s.sessions[token] = true
	s.tokens++
	// The org's instance is where its token was asked for: the fake's own
	// URL, or a proxy's in front of it.
	instance := "http://" + r.Host
	return jsonAnswer(http.StatusOK, map[string]string{
		"access_token": token,
		"signature":    randomHex(16),
		"token_format": "opaque",
		"scope":        "api",
		"instance_url": instance,
		"id":           instance + "/id/" + s.OrgID + "/005Dn0000000001AAA",
		"token_type":   "Bearer",
		"issued_at":    strconv.FormatInt(time.Now().UnixMilli(), 10),
	})
}

// api answers the REST API. Called with mu held.
func (s *Server) api(r *http.Request, body []byte) answer {
	m := apiPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return apiError(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	version, rest := m[1], m[2]
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.sessions[token] {
		return apiError(http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
	}
	if s.used >= s.limit {
		return apiError(http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
	}
	s.used++

	switch {
	case rest == "query" && r.Method == http.MethodGet:
		return s.query(version, r.URL.Query().Get("q"))
	case strings.HasPrefix(rest, "query/") && r.Method == http.MethodGet:
		return s.nextPage(version, strings.TrimPrefix(rest, "query/"))
	case rest == "sobjects/Contact/describe" && r.Method == http.MethodGet:
		return s.describe()
	case strings.HasPrefix(rest, "sobjects/Contact/"):
		id := strings.TrimPrefix(rest, "sobjects/Contact/")
		switch r.Method {
		case http.MethodGet:
			return s.getContact(version, id)
		case http.MethodPatch:
			return s.patchContact(id, body)
		}
		return apiError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "HTTP Method '"+r.Method+"' not allowed. Allowed are HEAD,GET,PATCH,DELETE")
	}
	return apiError(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
}

func (s *Server) getContact(version, id string) answer {
	c := s.findContact(id)
	if c == nil {
		return apiError(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	out := map[string]any{"attributes": attributes(version, "Contact", c["Id"].(string))}
	for k, v := range c {
		out[k] = v
	}
	return jsonAnswer(http.StatusOK, out)
}

func (s *Server) patchContact(id string, body []byte) answer {
	c := s.findContact(id)
	if c == nil {
		return apiError(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	var changes map[string]any
	if err := json.Unmarshal(body, &changes); err != nil {
		return apiError(http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON object")
	}
	for k := range changes {
		if k == "Id" {
			return apiError(http.StatusBadRequest, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: Id.")
		}
		if _, ok := c[k]; !ok {
			return apiError(http.StatusBadRequest, "INVALID_FIELD", "No such column '"+k+"' on sobject of type Contact")
		}
	}
	for k, v := range changes {
		c[k] = v
	}
	return answer{status: http.StatusNoContent}
}

func (s *Server) describe() answer {
	fields := make([]map[string]any, 0, len(s.fields))
	for _, f := range s.fields {
		values := make([]map[string]any, 0, len(f.Picklist))
		for _, v := range f.Picklist {
			values = append(values, map[string]any{"active": true, "defaultValue": false, "label": v, "validFor": nil, "value": v})
		}
		fields = append(fields, map[string]any{
			"name": f.Name, "label": f.Label, "type": f.Type, "updateable": f.Name != "Id",
			"picklistValues": values,
		})
	}
	return jsonAnswer(http.StatusOK, map[string]any{"name": "Contact", "label": "Contact", "fields": fields})
}

func attributes(version, typ, id string) map[string]string {
	return map[string]string{"type": typ, "url": "/services/data/" + version + "/sobjects/" + typ + "/" + id}
}
