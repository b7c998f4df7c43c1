package fakesalesforce

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

type record = map[string]any

// The queries the fake understands, up to their first string literal.
const (
	queryContactByEmail = "SELECT Id FROM Contact WHERE Email = "
	queryAssignments    = "SELECT TopicId FROM TopicAssignment WHERE EntityId = "
	queryTopics         = "SELECT Id, Name FROM Topic"
	queryTopicsIn       = "SELECT Id, Name FROM Topic WHERE Id IN ("
)

// query runs one SOQL query of the plugin's. Called with mu held.
func (s *Server) query(version, soql string) answer {
	var records []record
	switch {
	case strings.HasPrefix(soql, queryContactByEmail):
		email, rest, err := literal(strings.TrimPrefix(soql, queryContactByEmail))
		if err != nil || rest != "" {
			return malformed(soql, rest, err)
		}
		for _, id := range s.contactIDs {
			if e, _ := s.contacts[id]["Email"].(string); e != "" && strings.EqualFold(e, email) {
				records = append(records, record{"attributes": attributes(version, "Contact", id), "Id": id})
			}
		}
	case strings.HasPrefix(soql, queryAssignments):
		entity, rest, err := literal(strings.TrimPrefix(soql, queryAssignments))
		if err != nil || rest != "" {
			return malformed(soql, rest, err)
		}
		for cid, topics := range s.assignments {
			if cid == entity || len(entity) == 15 && cid[:15] == entity {
				for i, t := range topics {
					records = append(records, record{
						"attributes": attributes(version, "TopicAssignment", fmt.Sprintf("0FT%s%03d", cid[3:15], i)),
						"TopicId":    t,
					})
				}
			}
		}
	case soql == queryTopics:
		for _, id := range s.topicIDs {
			records = append(records, s.topicRecord(version, id))
		}
	case strings.HasPrefix(soql, queryTopicsIn):
		rest := strings.TrimPrefix(soql, queryTopicsIn)
		var ids []string
		for {
			id, after, err := literal(rest)
			if err != nil {
				return malformed(soql, rest, err)
			}
			ids = append(ids, id)
			if after == ")" {
				break
			}
			next, ok := strings.CutPrefix(after, ", ")
			if !ok {
				return malformed(soql, after, nil)
			}
			rest = next
		}
		for _, id := range s.topicIDs {
			if slices.Contains(ids, id) {
				records = append(records, s.topicRecord(version, id))
			}
		}
	default:
		return apiError(http.StatusBadRequest, "MALFORMED_QUERY", "unexpected query: "+soql)
	}
	return s.page(version, records)
}

func (s *Server) topicRecord(version, id string) record {
	return record{"attributes": attributes(version, "Topic", id), "Id": id, "Name": s.topics[id]}
}

// page answers the first PageSize records and keeps the rest for
// nextRecordsUrl. Called with mu held.
func (s *Server) page(version string, records []record) answer {
	out := map[string]any{"totalSize": len(records), "done": true}
	if len(records) > s.pageSize {
		locator := fmt.Sprintf("01g%s-%d", randomHex(6), s.pageSize)
		s.pages[locator] = records[s.pageSize:]
		records = records[:s.pageSize]
		out["done"] = false
		out["nextRecordsUrl"] = "/services/data/" + version + "/query/" + url.PathEscape(locator)
	}
	if records == nil {
		records = []record{}
	}
	out["records"] = records
	return jsonAnswer(http.StatusOK, out)
}

func (s *Server) nextPage(version, locator string) answer {
	records, ok := s.pages[locator]
	if !ok {
		return apiError(http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
	}
	delete(s.pages, locator)
	a := s.page(version, records)
	return a
}

// literal reads a SOQL string literal at the start of q: a quote, then
// characters with backslash escapes (\' \" \\ \n \r \t \b \f, and \_ \% as
// LIKE wildcards), then a quote. It returns the value and what follows.
func literal(q string) (value, rest string, err error) {
	if !strings.HasPrefix(q, "'") {
		return "", q, fmt.Errorf("expected a string literal")
	}
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		switch c := q[i]; c {
		case '\'':
			return b.String(), q[i+1:], nil
		case '\\':
			if i+1 >= len(q) {
				return "", "", fmt.Errorf("unterminated escape")
			}
			i++
			switch e := q[i]; e {
			case '\'', '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '_', '%':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				return "", "", fmt.Errorf("Invalid string literal '%s'. Illegal character sequence '\\%c' in string literal.", q, e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string literal")
}

// malformed is Salesforce's answer to a query it cannot parse, pointing at
// the unexpected token.
func malformed(soql, rest string, err error) answer {
	msg := "\n" + soql + "\n"
	if err != nil {
		msg += err.Error()
	} else {
		col := len(soql) - len(rest) + 1
		token, _, _ := strings.Cut(rest, " ")
		msg += fmt.Sprintf("ERROR at Row:1:Column:%d\nunexpected token: %s", col, token)
	}
	return apiError(http.StatusBadRequest, "MALFORMED_QUERY", msg)
}
