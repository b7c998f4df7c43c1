package fakehubspot

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// reply is an answer the handlers build under the lock and serve after.
type reply struct {
	status int
	header http.Header
	body   string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	stall := s.stall
	s.mu.Unlock()
	if stall != nil {
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))

	s.mu.Lock()
	s.daily++
	rep := s.answer(r, body)
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rep.status})
	s.rateHeaders(w.Header())
	s.mu.Unlock()

	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (s *Server) answer(r *http.Request, body []byte) reply {
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		return reply{f.status, f.header, f.body}
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		return reply{status: http.StatusUnauthorized, body: errorBody("INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")}
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && path == "/crm/v3/objects/contacts/search":
		return s.search(body)
	case strings.HasPrefix(path, "/crm/v3/objects/contacts/"):
		id := strings.TrimPrefix(path, "/crm/v3/objects/contacts/")
		switch r.Method {
		case http.MethodGet:
			return s.getContact(id, r)
		case http.MethodPatch:
			return s.patchContact(id, body)
		}
	case r.Method == http.MethodGet && path == "/crm/v3/properties/contacts":
		return s.listProperties()
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/crm/v3/properties/contacts/"):
		return s.getProperty(strings.TrimPrefix(path, "/crm/v3/properties/contacts/"))
	case r.Method == http.MethodPost && path == "/crm/v3/lists/search":
		return s.searchLists(body)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/crm/v3/lists/records/0-1/") && strings.HasSuffix(path, "/memberships"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/crm/v3/lists/records/0-1/"), "/memberships")
		return s.memberships(id, r)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/crm/v3/lists/"):
		return s.getList(strings.TrimPrefix(path, "/crm/v3/lists/"))
	}
	return reply{status: http.StatusNotFound, body: ""}
}

func (s *Server) authorized(h string) bool {
	token, ok := strings.CutPrefix(h, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) == 1
}

func jsonReply(status int, v any) reply {
	b, _ := json.Marshal(v)
	return reply{status: status, body: string(b)}
}

const stamp = "2026-01-02T03:04:05.678Z"

// contactJSON is a contact as the objects API answers: every requested
// property, null when the contact has no value, plus hs_object_id.
func contactJSON(c *Contact, props []string) map[string]any {
	out := map[string]any{"hs_object_id": c.ID, "createdate": stamp, "lastmodifieddate": stamp}
	for _, p := range props {
		if v, ok := c.Properties[p]; ok {
			out[p] = v
		} else {
			out[p] = nil
		}
	}
	return map[string]any{"id": c.ID, "properties": out, "createdAt": stamp, "updatedAt": stamp, "archived": false}
}

// requested reads ?properties=a&properties=b,c.
func requested(r *http.Request) []string {
	var out []string
	for _, v := range r.URL.Query()["properties"] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"email", "firstname", "lastname"}
	}
	return out
}

func (s *Server) getContact(id string, r *http.Request) reply {
	c, ok := s.contacts[id]
	if !ok {
		return reply{status: http.StatusNotFound, body: notFoundBody(id)}
	}
	return jsonReply(http.StatusOK, contactJSON(c, requested(r)))
}

func (s *Server) patchContact(id string, body []byte) reply {
	c, ok := s.contacts[id]
	if !ok {
		return reply{status: http.StatusNotFound, body: notFoundBody(id)}
	}
	var in struct {
		Properties map[string]string `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return reply{status: http.StatusBadRequest, body: errorBody("VALIDATION_ERROR", "Invalid input JSON on line 1")}
	}
	for k := range in.Properties {
		if !s.hasProperty(k) {
			return reply{status: http.StatusBadRequest, body: errorBody("VALIDATION_ERROR",
				`Property values were not valid: [{"isValid":false,"message":"Property \"`+k+`\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"`+k+`"}]`)}
		}
	}
	for k, v := range in.Properties {
		c.Properties[k] = v
	}
	names := make([]string, 0, len(in.Properties))
	for k := range in.Properties {
		names = append(names, k)
	}
	return jsonReply(http.StatusOK, contactJSON(c, names))
}

func (s *Server) hasProperty(name string) bool {
	for _, p := range s.properties {
		if p.Name == name {
			return true
		}
	}
	return false
}

// search answers an EQ search; 4 searches per second, then 429 SECONDLY.
func (s *Server) search(body []byte) reply {
	now := s.now()
	if now.Sub(s.searchWindow) >= time.Second {
		s.searchWindow, s.searchCount = now, 0
	}
	s.searchCount++
	if s.searchCount > SearchPerSecond {
		h := http.Header{}
		h.Set("Retry-After", "1")
		h.Set("X-HubSpot-RateLimit-Secondly-Remaining", "0")
		return reply{http.StatusTooManyRequests, h, rateLimitBody("SECONDLY")}
	}
	var in struct {
		FilterGroups []struct {
			Filters []struct {
				PropertyName, Operator, Value string
			} `json:"filters"`
		} `json:"filterGroups"`
		Properties []string `json:"properties"`
		Limit      int      `json:"limit"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return reply{status: http.StatusBadRequest, body: errorBody("VALIDATION_ERROR", "Invalid input JSON on line 1")}
	}
	var results []map[string]any
	for _, id := range s.order {
		c := s.contacts[id]
		if matches(c, in.FilterGroups) {
			results = append(results, contactJSON(c, in.Properties))
		}
	}
	total := len(results)
	if in.Limit > 0 && len(results) > in.Limit {
		results = results[:in.Limit]
	}
	if results == nil {
		results = []map[string]any{}
	}
	return jsonReply(http.StatusOK, map[string]any{"total": total, "results": results})
}

func matches(c *Contact, groups []struct {
	Filters []struct{ PropertyName, Operator, Value string } `json:"filters"`
}) bool {
	for _, g := range groups { // groups OR, filters AND
		all := true
		for _, f := range g.Filters {
			if f.Operator != "EQ" || !strings.EqualFold(c.Properties[f.PropertyName], f.Value) {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

func propertyJSON(p property) map[string]any {
	if p.Options == nil {
		return map[string]any{"name": p.Name, "label": p.Label, "type": "string", "fieldType": "text", "groupName": "contactinformation", "options": []any{}}
	}
	options := make([]map[string]any, len(p.Options))
	for i, o := range p.Options {
		options[i] = map[string]any{"label": o, "value": o, "displayOrder": i, "hidden": false}
	}
	return map[string]any{"name": p.Name, "label": p.Label, "type": "enumeration", "fieldType": "checkbox", "groupName": "contactinformation", "options": options}
}

func (s *Server) listProperties() reply {
	results := make([]map[string]any, 0, len(s.properties))
	for _, p := range s.properties {
		results = append(results, propertyJSON(p))
	}
	return jsonReply(http.StatusOK, map[string]any{"results": results})
}

func (s *Server) getProperty(name string) reply {
	for _, p := range s.properties {
		if p.Name == name {
			return jsonReply(http.StatusOK, propertyJSON(p))
		}
	}
	return reply{status: http.StatusNotFound, body: errorBody("OBJECT_NOT_FOUND", "Unable to find property "+name)}
}

func listJSON(l list) map[string]any {
	return map[string]any{"listId": l.ID, "name": l.Name, "processingType": string(l.Type), "objectTypeId": "0-1"}
}

func (s *Server) getList(id string) reply {
	l, ok := s.lists[id]
	if !ok {
		return reply{status: http.StatusNotFound, body: notFoundBody(id)}
	}
	return jsonReply(http.StatusOK, map[string]any{"list": listJSON(l)})
}

// searchLists pages through the lists, count at a time from offset.
func (s *Server) searchLists(body []byte) reply {
	var in struct {
		Count  int `json:"count"`
		Offset int `json:"offset"`
	}
	_ = json.Unmarshal(body, &in)
	if in.Count <= 0 || in.Count > 500 {
		in.Count = 20
	}
	lists := []map[string]any{}
	end := min(in.Offset+in.Count, len(s.listOrder))
	for _, id := range s.listOrder[min(in.Offset, end):end] {
		lists = append(lists, listJSON(s.lists[id]))
	}
	return jsonReply(http.StatusOK, map[string]any{"lists": lists, "hasMore": end < len(s.listOrder), "offset": end, "total": len(s.listOrder)})
}

// memberships pages a contact's list memberships, membershipPage at a
// time; after is the opaque cursor of the next page.
func (s *Server) memberships(id string, r *http.Request) reply {
	c, ok := s.contacts[id]
	if !ok {
		return reply{status: http.StatusNotFound, body: notFoundBody(id)}
	}
	from := 0
	if a := r.URL.Query().Get("after"); a != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(a, "cursor-"))
		if err != nil || n < 0 {
			return reply{status: http.StatusBadRequest, body: errorBody("VALIDATION_ERROR", "Invalid paging cursor")}
		}
		from = n
	}
	size := s.membershipPage
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 && l < size {
		size = l
	}
	end := min(from+size, len(c.Lists))
	results := []map[string]any{}
	for _, l := range c.Lists[min(from, end):end] {
		results = append(results, map[string]any{"listId": l, "firstAddedTimestamp": stamp, "lastAddedTimestamp": stamp})
	}
	out := map[string]any{"results": results}
	if end < len(c.Lists) {
		out["paging"] = map[string]any{"next": map[string]any{"after": "cursor-" + strconv.Itoa(end)}}
	}
	return jsonReply(http.StatusOK, out)
}
