package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// pageSize is how many tags or fields one list call asks for; 100 is the
// most ActiveCampaign's v3 API returns per page.
const pageSize = 100

// maxPages bounds a list, so an API that never ends a list cannot keep a
// call going: 1,000 pages of 100 are far more than an account has.
const maxPages = 1000

// Contact is a contact as GET /api/3/contacts/{id} reports it.
type Contact struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Phone     string
	// FieldValues maps custom field ids to values (multi-select values
	// are ||-joined, as ActiveCampaign stores them).
	FieldValues map[string]string
	// TagIDs are the ids of the contact's tags.
	TagIDs []string
}

type contactAnswer struct {
	Contact struct {
		ID        string `json:"id"`
		Email     string `json:"email"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Phone     string `json:"phone"`
	} `json:"contact"`
	FieldValues []struct {
		Field string  `json:"field"`
		Value *string `json:"value"`
	} `json:"fieldValues"`
	ContactTags []struct {
		Tag string `json:"tag"`
	} `json:"contactTags"`
}

// GetContact fetches a contact with its field values and tag ids. A
// deleted contact, which ActiveCampaign still answers with the address
// deleted+<id>@example.com, is NotFound.
func (c *Client) GetContact(ctx context.Context, id string) (Contact, error) {
	if !isID(id) {
		return Contact{}, sdk.NotFound("ActiveCampaign has no contact %q: its ids are numbers", id)
	}
	var a contactAnswer
	k := call{method: http.MethodGet, path: "/contacts/" + id, subject: "contact " + id}
	if err := c.do(ctx, k, &a); err != nil {
		return Contact{}, err
	}
	if isDeleted(a.Contact.Email) {
		return Contact{}, sdk.NotFound("ActiveCampaign contact %s is deleted", id)
	}
	out := Contact{ID: id, Email: a.Contact.Email, FirstName: a.Contact.FirstName, LastName: a.Contact.LastName,
		Phone: a.Contact.Phone, FieldValues: make(map[string]string, len(a.FieldValues))}
	for _, fv := range a.FieldValues {
		if fv.Value != nil {
			out.FieldValues[fv.Field] = *fv.Value
		} else {
			out.FieldValues[fv.Field] = ""
		}
	}
	for _, ct := range a.ContactTags {
		out.TagIDs = append(out.TagIDs, ct.Tag)
	}
	return out, nil
}

// isDeleted reports ActiveCampaign's stand-in address of a deleted contact.
func isDeleted(email string) bool {
	return strings.HasPrefix(email, "deleted+") && strings.HasSuffix(email, "@example.com")
}

// FindContact returns the id of the contact with this e-mail address;
// NotFound when there is none.
func (c *Client) FindContact(ctx context.Context, email string) (string, error) {
	var a struct {
		Contacts []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"contacts"`
	}
	k := call{method: http.MethodGet, path: "/contacts", query: url.Values{"email": {email}}}
	if err := c.do(ctx, k, &a); err != nil {
		return "", err
	}
	for _, found := range a.Contacts {
		if strings.EqualFold(found.Email, email) && !isDeleted(found.Email) {
			return found.ID, nil
		}
	}
	return "", sdk.NotFound("ActiveCampaign has no contact with that e-mail address")
}

// Tag is one of the account's tags.
type Tag struct {
	ID   string `json:"id"`
	Name string `json:"tag"`
	Type string `json:"tagType"`
}

// Tags lists every tag of the account, page by page.
func (c *Client) Tags(ctx context.Context) ([]Tag, error) {
	return list[Tag](ctx, c, "/tags", "tags")
}

// Field is one of the account's custom contact fields.
type Field struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Fields lists every custom contact field of the account, page by page.
func (c *Client) Fields(ctx context.Context) ([]Field, error) {
	return list[Field](ctx, c, "/fields", "fields")
}

// list reads a paged list: limit/offset until meta.total is reached or a
// page comes back short.
func list[T any](ctx context.Context, c *Client, path, key string) ([]T, error) {
	var all []T
	for page := 0; page < maxPages; page++ {
		var a map[string]jsonRaw
		k := call{method: http.MethodGet, path: path, query: url.Values{
			"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(len(all))}}}
		if err := c.do(ctx, k, &a); err != nil {
			return nil, err
		}
		var items []T
		if err := a[key].decode(&items); err != nil {
			return nil, sdk.Retryable(fmt.Errorf("%s: %q is not the list expected: %w", k, key, err), 0)
		}
		var meta struct {
			Total flexInt `json:"total"`
		}
		_ = a["meta"].decode(&meta) // without a total, a short page ends the list
		all = append(all, items...)
		if len(items) < pageSize || (meta.Total > 0 && len(all) >= int(meta.Total)) {
			return all, nil
		}
	}
	return nil, sdk.Retryable(fmt.Errorf("GET /api/3%s: more than %d pages", path, maxPages), 0)
}

// Changes are what UpdateContact writes: standard attributes by their v3
// names (firstName, lastName, phone, email) and custom fields by id.
type Changes struct {
	Attributes  map[string]string
	FieldValues map[string]string
}

// UpdateContact writes changes to a contact; NotFound when there is none.
func (c *Client) UpdateContact(ctx context.Context, id string, ch Changes) error {
	if !isID(id) {
		return sdk.NotFound("ActiveCampaign has no contact %q: its ids are numbers", id)
	}
	contact := map[string]any{}
	for name, value := range ch.Attributes {
		contact[name] = value
	}
	if len(ch.FieldValues) > 0 {
		values := make([]map[string]string, 0, len(ch.FieldValues))
		for field, value := range ch.FieldValues {
			values = append(values, map[string]string{"field": field, "value": value})
		}
		contact["fieldValues"] = values
	}
	k := call{method: http.MethodPut, path: "/contacts/" + id, body: map[string]any{"contact": contact},
		subject: "contact " + id}
	return c.do(ctx, k, nil)
}

// isID reports whether s is one of ActiveCampaign's numeric ids; other
// text must not reach a URL path.
func isID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
