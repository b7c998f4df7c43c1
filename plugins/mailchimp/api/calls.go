package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// pageSize is Mailchimp's largest count per page.
const pageSize = 1000

// Member is an audience member as the client reports it.
type Member struct {
	// ID is the subscriber hash.
	ID     string
	Email  string
	Status string
	Tags   []Tag
	// MergeFields holds the merge fields, an address's parts flattened as
	// "ADDRESS.city"; numbers as Mailchimp wrote them.
	MergeFields map[string]string
}

// Tag is a tag (a static segment) of the audience.
type Tag struct {
	ID   string
	Name string
}

// MergeField is a merge field of the audience.
type MergeField struct {
	Tag  string
	Name string
	Type string
}

// addressParts are the parts of an "address" merge field.
var addressParts = []string{"addr1", "addr2", "city", "state", "zip", "country"}

type memberJSON struct {
	ID           string                     `json:"id"`
	EmailAddress string                     `json:"email_address"`
	Status       string                     `json:"status"`
	MergeFields  map[string]json.RawMessage `json:"merge_fields"`
	Tags         []struct {
		ID   json.Number `json:"id"`
		Name string      `json:"name"`
	} `json:"tags"`
}

// CheckList reads the audience, to prove the key and list_id work.
func (c *Client) CheckList(ctx context.Context) (name string, err error) {
	var out struct {
		Name string `json:"name"`
	}
	err = c.do(ctx, call{method: "GET", path: "/lists/" + url.PathEscape(c.list),
		query: url.Values{"fields": {"id,name"}}}, &out)
	return out.Name, err
}

// Member fetches a member by subscriber hash (or e-mail address, which
// Mailchimp accepts in its place).
func (c *Client) Member(ctx context.Context, hash string) (Member, error) {
	var m memberJSON
	if err := c.do(ctx, c.memberCall("GET", hash, nil), &m); err != nil {
		return Member{}, err
	}
	out := Member{ID: m.ID, Email: m.EmailAddress, Status: m.Status, MergeFields: map[string]string{}}
	for tag, raw := range m.MergeFields {
		flatten(out.MergeFields, tag, raw)
	}
	for _, t := range m.Tags {
		out.Tags = append(out.Tags, Tag{ID: t.ID.String(), Name: t.Name})
	}
	return out, nil
}

func (c *Client) memberCall(method, hash string, body any) call {
	return call{method: method, path: "/lists/" + url.PathEscape(c.list) + "/members/" + url.PathEscape(hash),
		body: body, subject: "member " + hash}
}

// flatten writes a merge field's value: strings as they are, numbers as
// written, null as "", an object (an address) as one entry per part.
func flatten(into map[string]string, tag string, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		into[tag] = ""
	case raw[0] == '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		into[tag] = s
	case raw[0] == '{':
		var parts map[string]json.RawMessage
		_ = json.Unmarshal(raw, &parts)
		for part, v := range parts {
			flatten(into, tag+"."+part, v)
		}
	default:
		into[tag] = string(raw)
	}
}

// Tags lists the audience's tags: its static segments, page by page.
func (c *Client) Tags(ctx context.Context) ([]Tag, error) {
	var tags []Tag
	for offset := 0; ; offset += pageSize {
		var page struct {
			Segments []struct {
				ID   json.Number `json:"id"`
				Name string      `json:"name"`
			} `json:"segments"`
			TotalItems int `json:"total_items"`
		}
		err := c.do(ctx, call{method: "GET", path: "/lists/" + url.PathEscape(c.list) + "/segments",
			query: url.Values{"type": {"static"}, "count": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(offset)}}}, &page)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Segments {
			tags = append(tags, Tag{ID: s.ID.String(), Name: s.Name})
		}
		if len(page.Segments) == 0 || offset+len(page.Segments) >= page.TotalItems {
			return tags, nil
		}
	}
}

// MergeFields lists the audience's merge fields, page by page.
func (c *Client) MergeFields(ctx context.Context) ([]MergeField, error) {
	var fields []MergeField
	for offset := 0; ; offset += pageSize {
		var page struct {
			MergeFields []MergeField `json:"merge_fields"`
			TotalItems  int          `json:"total_items"`
		}
		err := c.do(ctx, call{method: "GET", path: "/lists/" + url.PathEscape(c.list) + "/merge-fields",
			query: url.Values{"count": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(offset)}}}, &page)
		if err != nil {
			return nil, err
		}
		fields = append(fields, page.MergeFields...)
		if len(page.MergeFields) == 0 || offset+len(page.MergeFields) >= page.TotalItems {
			return fields, nil
		}
	}
}

// FieldIDs are the ids a merge field is read and written by: its tag, or
// one "TAG.part" per part of an address.
func (f MergeField) FieldIDs() []string {
	if f.Type != "address" {
		return []string{f.Tag}
	}
	ids := make([]string, len(addressParts))
	for i, p := range addressParts {
		ids[i] = f.Tag + "." + p
	}
	return ids
}

// UnmarshalJSON reads Mailchimp's merge field, whose keys differ from ours.
func (f *MergeField) UnmarshalJSON(b []byte) error {
	var j struct {
		Tag  string `json:"tag"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = MergeField(j)
	return nil
}

// UpdateMergeFields writes merge fields to a member. An address part
// ("ADDRESS.city") is written with the rest of the member's address, as
// Mailchimp takes an address only whole; the member is read first then.
func (c *Client) UpdateMergeFields(ctx context.Context, hash string, fields map[string]string) error {
	merge := map[string]any{}
	var parts []string
	for id, v := range fields {
		if strings.Contains(id, ".") {
			parts = append(parts, id)
			continue
		}
		merge[id] = v
	}
	if len(parts) > 0 {
		m, err := c.Member(ctx, hash)
		if err != nil {
			return fmt.Errorf("read the address to change: %w", err)
		}
		slices.Sort(parts)
		for _, id := range parts {
			tag, part, _ := strings.Cut(id, ".")
			addr, _ := merge[tag].(map[string]string)
			if addr == nil {
				addr = map[string]string{}
				for _, p := range addressParts {
					addr[p] = m.MergeFields[tag+"."+p]
				}
				merge[tag] = addr
			}
			addr[part] = fields[id]
		}
	}
	return c.do(ctx, c.memberCall("PATCH", hash, map[string]any{"merge_fields": merge}), nil)
}
