package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/crmhub/crmhub/sdk"
)

// subscribersAnswer is Drip's {"links":…,"subscribers":[…]}.
type subscribersAnswer struct {
	Subscribers []Subscriber `json:"subscribers"`
}

// GetSubscriber fetches a subscriber by id or e-mail address.
func (c *Client) GetSubscriber(ctx context.Context, idOrEmail string) (Subscriber, error) {
	subject := "subscriber " + idOrEmail
	if strings.Contains(idOrEmail, "@") {
		subject = "subscriber with that e-mail address"
	} else if !IsSubscriberID(idOrEmail) {
		return Subscriber{}, sdk.NotFound("Drip has no subscriber %q: its ids are letters and digits", idOrEmail)
	}
	var a subscribersAnswer
	k := call{method: http.MethodGet, path: "/subscribers/" + url.PathEscape(idOrEmail), subject: subject}
	if err := c.do(ctx, k, &a); err != nil {
		return Subscriber{}, err
	}
	if len(a.Subscribers) == 0 {
		return Subscriber{}, sdk.NotFound("Drip has no %s (an empty answer)", subject)
	}
	return a.Subscribers[0], nil
}

// IsSubscriberID reports whether s is one of Drip's subscriber ids:
// letters and digits (e.g. z1togz2hcjrkpp5treip); other text must not
// reach a URL path.
func IsSubscriberID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Tags lists the account's tag names.
func (c *Client) Tags(ctx context.Context) ([]string, error) {
	var a struct {
		Tags []string `json:"tags"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/tags"}, &a); err != nil {
		return nil, err
	}
	return a.Tags, nil
}

// CustomFields lists the account's custom field identifiers.
func (c *Client) CustomFields(ctx context.Context) ([]string, error) {
	var a struct {
		Identifiers []string `json:"custom_field_identifiers"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/custom_field_identifiers"}, &a); err != nil {
		return nil, err
	}
	return a.Identifiers, nil
}

// Update writes fields to the subscriber with this id through Drip's
// create-or-update call: standard attributes (StandardFields) at the top
// level, others as custom fields. Fields not named are left alone.
func (c *Client) Update(ctx context.Context, id string, fields map[string]string) error {
	if !IsSubscriberID(id) {
		return sdk.NotFound("Drip has no subscriber %q: its ids are letters and digits", id)
	}
	sub := map[string]any{"id": id}
	custom := map[string]string{}
	for name, value := range fields {
		if slices.Contains(StandardFields, name) {
			key := name
			if name == "email" {
				key = "new_email" // with an id, "email" would name the subscriber
			}
			sub[key] = value
		} else {
			custom[name] = value
		}
	}
	if len(custom) > 0 {
		sub["custom_fields"] = custom
	}
	k := call{method: http.MethodPost, path: "/subscribers", body: map[string]any{"subscribers": []any{sub}},
		subject: "subscriber " + id}
	if err := c.do(ctx, k, nil); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}
