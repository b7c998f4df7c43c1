package fakeklicktipp

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// getSubscriber answers GET /subscriber/{id}.
func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	sub, ok := s.subscribers[r.PathValue("id")]
	var answer map[string]any
	if ok {
		answer = s.render(sub)
	}
	s.mu.RUnlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, []string{"There is no such entity."})
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// searchSubscriber answers POST /subscriber/search.
func (s *Server) searchSubscriber(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, []string{err.Error()})
		return
	}
	email := p.Get("email")
	if !strings.Contains(email, "@") {
		writeJSON(w, http.StatusNotAcceptable, codeError(5, "", "E-Mail-Adresse ungültig"))
		return
	}
	s.mu.RLock()
	id, ok := s.byEmail[strings.ToLower(email)]
	numeric := s.shape.numericIDs
	s.mu.RUnlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, []string{"Diesen Kontakt gibt es nicht."})
		return
	}
	if info, ok := r.Context().Value(callInfoKey{}).(*callInfo); ok {
		info.subscriber = id
	}
	writeJSON(w, http.StatusOK, []any{writeID(id, numeric)})
}

// updateSubscriber answers PUT /subscriber/{id}: fields[…], newemail.
func (s *Server) updateSubscriber(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, []string{err.Error()})
		return
	}
	status, answer := s.update(r.PathValue("id"), p)
	writeJSON(w, status, answer)
}

func (s *Server) update(id string, p url.Values) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return http.StatusNotAcceptable, []string{"Der Kontakt existiert nicht."}
	}
	changes := map[string]string{}
	for key, values := range p {
		field, isField := strings.CutPrefix(key, "fields[")
		field, closed := strings.CutSuffix(field, "]")
		if !isField || !closed {
			continue
		}
		if _, known := s.fields[field]; !known {
			return http.StatusNotAcceptable, codeError(8, field, "Feld ungültig")
		}
		changes[field] = values[0]
	}
	if newEmail := p.Get("newemail"); newEmail != "" {
		if !strings.Contains(newEmail, "@") {
			return http.StatusNotAcceptable, codeError(5, "", "E-Mail-Adresse ungültig")
		}
		if other, taken := s.byEmail[strings.ToLower(newEmail)]; taken && other != id {
			return http.StatusNotAcceptable, codeError(507, "", "E-Mail-Adresse existiert bereits")
		}
		delete(s.byEmail, strings.ToLower(sub.email))
		sub.email = newEmail
		s.byEmail[strings.ToLower(newEmail)] = id
	}
	if sub.fields == nil {
		sub.fields = map[string]string{}
	}
	maps.Copy(sub.fields, changes)
	return http.StatusOK, []bool{true}
}

// listTags answers GET /tag.
func (s *Server) listTags(w http.ResponseWriter, _ *http.Request) {
	s.mu.RLock()
	answer := s.phpMap(s.tags)
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, answer)
}

// listFields answers GET /field.
func (s *Server) listFields(w http.ResponseWriter, _ *http.Request) {
	s.mu.RLock()
	answer := s.phpMap(s.fields)
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, answer)
}

// render writes a subscriber as KlickTipp does: every value a string or
// null, empty maps as []. s.mu is held.
func (s *Server) render(sub *subscriber) map[string]any {
	created := sub.created.Format("02.01.2006 15:04:05")
	answer := map[string]any{
		"id": writeID(sub.id, s.shape.numericIDs), "listid": "0", "optin": created, "optin_ip": "0.0.0.0",
		"email": sub.email, "status": "Subscribed", "bounce": "Not Bounced", "date": created,
		"ip": "0.0.0.0", "unsubscription": "", "unsubscription_ip": "0.0.0.0", "referrer": "",
		"sms_phone": nil, "sms_status": nil, "sms_bounce": nil, "sms_date": "",
		"sms_unsubscription": "", "sms_referrer": nil,
		"manual_tags": s.phpMap(sub.manual), "smart_tags": s.phpMap(sub.smart),
		"campaigns_started": []any{}, "campaigns_finished": []any{},
		"notification_emails_sent": []any{}, "notification_emails_opened": []any{},
		"notification_emails_clicked": []any{}, "notification_emails_viewed": []any{},
		"outbound": []any{},
	}
	for field := range s.fields {
		answer[field] = ""
	}
	for field, value := range sub.fields {
		answer[field] = value
	}
	tags := slices.Concat(sortedKeys(sub.manual), sortedKeys(sub.smart))
	ids := make([]any, len(tags))
	for i, id := range tags {
		ids[i] = writeID(id, s.shape.numericIDs)
	}
	answer["tags"] = ids
	return answer
}

// phpMap writes a map as PHP's json_encode does: [] when empty. s.mu is held.
func (s *Server) phpMap(m map[string]string) any {
	if len(m) == 0 && !s.shape.emptyMapsAsObjects {
		return []any{}
	}
	return maps.Clone(m)
}

// writeID writes an id as a JSON string, or as a number when asked to and
// the id is one.
func writeID(id string, numeric bool) any {
	if numeric && isDigits(id) {
		return json.Number(id)
	}
	return id
}

// codeError is KlickTipp's newer error object.
func codeError(code int, field, reason string) map[string]any {
	e := map[string]any{"error": code, "code": code, "reason": reason}
	if field != "" {
		e["field"], e["name"] = field, field
	}
	return e
}

const maxRequestBody = 1 << 20

// params reads a request's parameters: a form-encoded body (fields[x]=…)
// or a JSON object body ({"fields":{"x":…}}, read as fields[x]), and the
// query string.
func params(r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, maxRequestBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/json" {
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("unreadable form: %w", err)
		}
		return r.Form, nil
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("unreadable JSON: %w", err)
	}
	p := r.URL.Query()
	for key, value := range body {
		if err := flatten(p, key, value); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// flatten writes a JSON value as form parameters, maps as key[name].
func flatten(p url.Values, key string, value any) error {
	switch v := value.(type) {
	case string:
		p.Add(key, v)
	case float64, bool:
		p.Add(key, fmt.Sprint(v))
	case nil:
		p.Add(key, "")
	case map[string]any:
		for name, inner := range v {
			if err := flatten(p, key+"["+name+"]", inner); err != nil {
				return err
			}
		}
	case []any:
		for i, inner := range v {
			if err := flatten(p, fmt.Sprintf("%s[%d]", key, i), inner); err != nil {
				return err
			}
		}
	default:
		return errors.New("unreadable JSON value")
	}
	return nil
}
