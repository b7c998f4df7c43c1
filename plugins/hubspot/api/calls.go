package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Contact is a contact as the objects API answers: every value a string,
// "" for none (HubSpot sends null).
type Contact struct {
	ID         string
	Properties map[string]string
}

type contactJSON struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
}

func (c contactJSON) contact() Contact {
	props := make(map[string]string, len(c.Properties))
	for k, v := range c.Properties {
		if v != nil {
			props[k] = *v
		}
	}
	return Contact{ID: c.ID, Properties: props}
}

// GetContact fetches a contact with the named properties.
func (c *Client) GetContact(ctx context.Context, id string, properties []string) (Contact, error) {
	var out contactJSON
	q := url.Values{}
	for _, p := range properties {
		q.Add("properties", p)
	}
	if err := c.do(ctx, http.MethodGet, "/crm/v3/objects/contacts/"+url.PathEscape(id), q, nil, &out); err != nil {
		return Contact{}, fmt.Errorf("get contact %s: %w", id, err)
	}
	return out.contact(), nil
}

// FindContact returns the id of the contact whose email is email, through
// the search endpoint (4 requests per second per token).
func (c *Client) FindContact(ctx context.Context, email string) (string, error) {
	type filter struct {
		PropertyName string `json:"propertyName"`
		Operator     string `json:"operator"`
		Value        string `json:"value"`
	}
	type group struct {
		Filters []filter `json:"filters"`
	}
	in := struct {
		FilterGroups []group  `json:"filterGroups"`
		Properties   []string `json:"properties"`
		Limit        int      `json:"limit"`
	}{[]group{{[]filter{{"email", "EQ", email}}}}, []string{"email"}, 1}
	var out struct {
		Results []contactJSON `json:"results"`
	}
	if err := c.do(ctx, http.MethodPost, "/crm/v3/objects/contacts/search", nil, in, &out); err != nil {
		return "", fmt.Errorf("search contact by e-mail: %w", err)
	}
	if len(out.Results) == 0 || out.Results[0].ID == "" {
		return "", notFound("no contact has this e-mail address")
	}
	return out.Results[0].ID, nil
}

// UpdateContact writes properties to a contact.
func (c *Client) UpdateContact(ctx context.Context, id string, properties map[string]string) error {
	in := struct {
		Properties map[string]string `json:"properties"`
	}{properties}
	if err := c.do(ctx, http.MethodPatch, "/crm/v3/objects/contacts/"+url.PathEscape(id), nil, in, nil); err != nil {
		return fmt.Errorf("update contact %s: %w", id, err)
	}
	return nil
}

// Property is a contact property.
type Property struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Options []Option `json:"options"`
}

// Option is one value an enumeration property may take.
type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Property fetches one contact property with its options.
func (c *Client) Property(ctx context.Context, name string) (Property, error) {
	var out Property
	if err := c.do(ctx, http.MethodGet, "/crm/v3/properties/contacts/"+url.PathEscape(name), nil, nil, &out); err != nil {
		return Property{}, fmt.Errorf("get contact property %s: %w", name, err)
	}
	return out, nil
}

// Properties lists the account's contact properties.
func (c *Client) Properties(ctx context.Context) ([]Property, error) {
	var out struct {
		Results []Property `json:"results"`
	}
	if err := c.do(ctx, http.MethodGet, "/crm/v3/properties/contacts", nil, nil, &out); err != nil {
		return nil, fmt.Errorf("list contact properties: %w", err)
	}
	return out.Results, nil
}

// List is a contact list.
type List struct {
	ID   flexID `json:"listId"`
	Name string `json:"name"`
	// ProcessingType is MANUAL or SNAPSHOT for static lists, DYNAMIC for active ones.
	ProcessingType string `json:"processingType"`
}

// Static says whether members are added to the list rather than computed.
func (l List) Static() bool { return l.ProcessingType == "MANUAL" || l.ProcessingType == "SNAPSHOT" }

// listPage is how many lists one search asks for.
const listPage = 100

// maxPages bounds every paginated walk, so a server that pages forever
// cannot hold a call.
const maxPages = 1000

// Lists lists every contact list, through the lists search.
func (c *Client) Lists(ctx context.Context) ([]List, error) {
	var all []List
	offset := 0
	for range maxPages {
		in := struct {
			Count  int `json:"count"`
			Offset int `json:"offset"`
		}{listPage, offset}
		var out struct {
			Lists   []List `json:"lists"`
			HasMore bool   `json:"hasMore"`
			Offset  int    `json:"offset"`
		}
		if err := c.do(ctx, http.MethodPost, "/crm/v3/lists/search", nil, in, &out); err != nil {
			return nil, fmt.Errorf("list the lists: %w", err)
		}
		all = append(all, out.Lists...)
		if !out.HasMore || out.Offset <= offset {
			return all, nil
		}
		offset = out.Offset
	}
	return nil, fmt.Errorf("list the lists: more than %d pages", maxPages)
}

// membershipLimit is the page size asked of the memberships endpoint (its most).
const membershipLimit = 500

// Memberships lists the ids of the lists a contact is a member of,
// following paging.next.after.
func (c *Client) Memberships(ctx context.Context, id string) ([]string, error) {
	var ids []string
	after := ""
	for range maxPages {
		q := url.Values{"limit": {strconv.Itoa(membershipLimit)}}
		if after != "" {
			q.Set("after", after)
		}
		var out struct {
			Results []struct {
				ListID flexID `json:"listId"`
			} `json:"results"`
			Paging struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if err := c.do(ctx, http.MethodGet, "/crm/v3/lists/records/0-1/"+url.PathEscape(id)+"/memberships", q, nil, &out); err != nil {
			return nil, fmt.Errorf("list memberships of contact %s: %w", id, err)
		}
		for _, r := range out.Results {
			ids = append(ids, string(r.ListID))
		}
		if out.Paging.Next.After == "" || out.Paging.Next.After == after {
			return ids, nil
		}
		after = out.Paging.Next.After
	}
	return nil, fmt.Errorf("list memberships of contact %s: more than %d pages", id, maxPages)
}
