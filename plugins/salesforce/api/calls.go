package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/plugins/salesforce/sfid"
	"github.com/crmhub/crmhub/sdk"
)

// Contact fetches a Contact's fields by API name, every value as a string:
// booleans "true"/"false", numbers as written, null "", multi-select
// picklists ";"-joined as Salesforce sends them. Compound fields (an
// address, a geolocation) are left out: their parts come as fields too.
func (c *Client) Contact(ctx context.Context, id string) (map[string]string, error) {
	if !sfid.Valid(id) {
		return nil, sdk.NotFound("contact %q: not a Salesforce id", id)
	}
	var raw map[string]json.RawMessage
	if err := c.do(ctx, "GET", "sobjects/Contact/"+id, nil, &raw); err != nil {
		return nil, fmt.Errorf("get contact %s: %w", id, err)
	}
	fields := make(map[string]string, len(raw))
	for name, value := range raw {
		if name == "attributes" {
			continue
		}
		if text, ok := scalar(value); ok {
			fields[name] = text
		}
	}
	return fields, nil
}

// scalar renders a JSON scalar as a string; false for objects and arrays.
func scalar(v json.RawMessage) (string, bool) {
	var any any
	dec := json.NewDecoder(strings.NewReader(string(v)))
	dec.UseNumber()
	if err := dec.Decode(&any); err != nil {
		return "", false
	}
	switch x := any.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// FindContact returns the id of the first Contact whose Email is email
// (Salesforce compares e-mail addresses case-insensitively).
func (c *Client) FindContact(ctx context.Context, email string) (string, error) {
	records, err := c.Query(ctx, "SELECT Id FROM Contact WHERE Email = "+Quote(email))
	if err != nil {
		return "", fmt.Errorf("find contact by e-mail: %w", err)
	}
	for _, r := range records {
		var rec struct{ Id string }
		if json.Unmarshal(r, &rec) == nil && rec.Id != "" {
			return rec.Id, nil
		}
	}
	return "", sdk.NotFound("no Salesforce contact has this e-mail address")
}

// TopicIDs returns the ids of the topics assigned to a record.
func (c *Client) TopicIDs(ctx context.Context, recordID string) ([]string, error) {
	records, err := c.Query(ctx, "SELECT TopicId FROM TopicAssignment WHERE EntityId = "+Quote(recordID))
	if err != nil {
		return nil, fmt.Errorf("read the topics of %s: %w", recordID, err)
	}
	ids := make([]string, 0, len(records))
	for _, r := range records {
		var rec struct{ TopicId string }
		if json.Unmarshal(r, &rec) == nil && rec.TopicId != "" && !slices.Contains(ids, rec.TopicId) {
			ids = append(ids, rec.TopicId)
		}
	}
	return ids, nil
}

// maxIDsPerQuery keeps a query's URL short (SOQL allows 100,000
// characters in a query, URLs are safer below 16 KB).
const maxIDsPerQuery = 200

// Topics returns topic names by id: of the given ids, or of every topic of
// the org when ids is nil.
func (c *Client) Topics(ctx context.Context, ids []string) (map[string]string, error) {
	names := map[string]string{}
	read := func(soql string) error {
		records, err := c.Query(ctx, soql)
		if err != nil {
			return fmt.Errorf("read topics: %w", err)
		}
		for _, r := range records {
			var rec struct{ Id, Name string }
			if json.Unmarshal(r, &rec) == nil && rec.Id != "" {
				names[rec.Id] = rec.Name
			}
		}
		return nil
	}
	if ids == nil {
		return names, read("SELECT Id, Name FROM Topic")
	}
	for chunk := range slices.Chunk(ids, maxIDsPerQuery) {
		quoted := make([]string, len(chunk))
		for i, id := range chunk {
			quoted[i] = Quote(id)
		}
		if err := read("SELECT Id, Name FROM Topic WHERE Id IN (" + strings.Join(quoted, ", ") + ")"); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// Query runs a SOQL query and returns every record, following
// nextRecordsUrl through the pages.
func (c *Client) Query(ctx context.Context, soql string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	path := "query?q=" + url.QueryEscape(soql)
	for page := 0; ; page++ {
		var answer struct {
			Done           bool              `json:"done"`
			NextRecordsURL string            `json:"nextRecordsUrl"`
			Records        []json.RawMessage `json:"records"`
		}
		if err := c.do(ctx, "GET", path, nil, &answer); err != nil {
			return nil, err
		}
		all = append(all, answer.Records...)
		if answer.Done || answer.NextRecordsURL == "" {
			return all, nil
		}
		if !strings.HasPrefix(answer.NextRecordsURL, "/services/data/") || page > 1000 {
			return nil, sdk.Retryablef(0, "Salesforce's query answer links an unexpected next page")
		}
		path = answer.NextRecordsURL
	}
}

// Field is a Contact field as describe reports it.
type Field struct {
	Name           string `json:"name"`
	Label          string `json:"label"`
	Type           string `json:"type"`
	PicklistValues []struct {
		Active bool   `json:"active"`
		Label  string `json:"label"`
		Value  string `json:"value"`
	} `json:"picklistValues"`
}

// Describe returns the Contact object's fields.
func (c *Client) Describe(ctx context.Context) ([]Field, error) {
	var answer struct {
		Fields []Field `json:"fields"`
	}
	if err := c.do(ctx, "GET", "sobjects/Contact/describe", nil, &answer); err != nil {
		return nil, fmt.Errorf("describe Contact: %w", err)
	}
	return answer.Fields, nil
}

// UpdateContact writes fields (API name → value) to a Contact.
func (c *Client) UpdateContact(ctx context.Context, id string, fields map[string]string) error {
	if !sfid.Valid(id) {
		return sdk.NotFound("contact %q: not a Salesforce id", id)
	}
	if err := c.do(ctx, "PATCH", "sobjects/Contact/"+id, fields, nil); err != nil {
		return fmt.Errorf("update contact %s: %w", id, err)
	}
	return nil
}

// Quote writes s as a SOQL string literal: in quotes, with backslash,
// quotes and control characters escaped as SOQL's escape sequences demand.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
