package api

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// pageSize is the page size the client asks for (MailerLite's most).
const pageSize = 100

// Subscriber is a MailerLite subscriber with its fields and groups.
type Subscriber struct {
	ID     string
	Email  string
	Status string
	// Fields maps field keys ("name", "last_name", custom keys) to values.
	Fields map[string]string
	Groups []Group
}

// Group is a MailerLite group; the hub sees groups as tags.
type Group struct {
	ID   string
	Name string
}

// Field is a subscriber field; Key is what subscribers' fields are keyed by.
type Field struct {
	ID   string
	Key  string
	Name string
	Type string
}

type subscriberJSON struct {
	ID     ID                         `json:"id"`
	Email  string                     `json:"email"`
	Status string                     `json:"status"`
	Fields map[string]json.RawMessage `json:"fields"`
	Groups []struct {
		ID   ID     `json:"id"`
		Name string `json:"name"`
	} `json:"groups"`
}

func (s subscriberJSON) subscriber() Subscriber {
	out := Subscriber{ID: string(s.ID), Email: s.Email, Status: s.Status, Fields: make(map[string]string, len(s.Fields))}
	for k, v := range s.Fields {
		out.Fields[k] = FieldValue(v)
	}
	for _, g := range s.Groups {
		out.Groups = append(out.Groups, Group{ID: string(g.ID), Name: g.Name})
	}
	return out
}

// Subscriber fetches a subscriber by id or e-mail address; MailerLite's
// answer carries its groups.
func (c *Client) Subscriber(ctx context.Context, idOrEmail string) (Subscriber, error) {
	var out struct {
		Data subscriberJSON `json:"data"`
	}
	subject := "subscriber " + idOrEmail
	if strings.Contains(idOrEmail, "@") {
		subject = "subscriber with that e-mail address" // never an address in a message
	}
	k := call{method: "GET", path: "/subscribers/" + url.PathEscape(idOrEmail), subject: subject}
	if err := c.do(ctx, k, &out); err != nil {
		return Subscriber{}, err
	}
	return out.Data.subscriber(), nil
}

// UpdateFields writes fields (by key) to a subscriber; others are left.
func (c *Client) UpdateFields(ctx context.Context, id string, fields map[string]string) error {
	k := call{method: "PUT", path: "/subscribers/" + url.PathEscape(id), subject: "subscriber " + id,
		body: map[string]any{"fields": fields}}
	return c.do(ctx, k, nil)
}

// pageMeta is the part of a page's meta the client pages by.
type pageMeta struct {
	CurrentPage int `json:"current_page"`
	LastPage    int `json:"last_page"`
}

// Groups lists every group of the account, page by page.
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	var groups []Group
	for page := 1; ; page++ {
		var out struct {
			Data []struct {
				ID   ID     `json:"id"`
				Name string `json:"name"`
			} `json:"data"`
			Meta pageMeta `json:"meta"`
		}
		if err := c.do(ctx, call{method: "GET", path: "/groups", query: pageQuery(page)}, &out); err != nil {
			return nil, err
		}
		for _, g := range out.Data {
			groups = append(groups, Group{ID: string(g.ID), Name: g.Name})
		}
		if len(out.Data) == 0 || page >= out.Meta.LastPage {
			return groups, nil
		}
	}
}

// Fields lists every subscriber field of the account, page by page.
func (c *Client) Fields(ctx context.Context) ([]Field, error) {
	var fields []Field
	for page := 1; ; page++ {
		var out struct {
			Data []struct {
				ID   ID     `json:"id"`
				Key  string `json:"key"`
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"data"`
			Meta pageMeta `json:"meta"`
		}
		if err := c.do(ctx, call{method: "GET", path: "/fields", query: pageQuery(page)}, &out); err != nil {
			return nil, err
		}
		for _, f := range out.Data {
			fields = append(fields, Field{ID: string(f.ID), Key: f.Key, Name: f.Name, Type: f.Type})
		}
		if len(out.Data) == 0 || page >= out.Meta.LastPage {
			return fields, nil
		}
	}
}

// CheckAccess reads one field, to prove the key works.
func (c *Client) CheckAccess(ctx context.Context) error {
	return c.do(ctx, call{method: "GET", path: "/fields", query: url.Values{"limit": {"1"}}}, nil)
}

func pageQuery(page int) url.Values {
	return url.Values{"limit": {strconv.Itoa(pageSize)}, "page": {strconv.Itoa(page)}}
}
