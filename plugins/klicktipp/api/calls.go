package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/crmhub/crmhub/sdk"
)

// Subscriber fetches one subscriber; NotFound when KlickTipp has none with
// this id (KlickTipp's ids are numbers, so anything else is not found).
func (c *Client) Subscriber(ctx context.Context, id string) (Subscriber, error) {
	if !isID(id) {
		return Subscriber{}, sdk.NotFound("KlickTipp has no contact %q: its contact ids are numbers", id)
	}
	var s Subscriber
	k := call{method: http.MethodGet, path: "/subscriber/" + id, subject: "contact " + id}
	if err := c.do(ctx, k, &s); err != nil {
		return Subscriber{}, err
	}
	if s.ID == "" {
		s.ID = id
	}
	return s, nil
}

// Search returns the id of the subscriber with this e-mail address;
// NotFound when there is none.
func (c *Client) Search(ctx context.Context, email string) (string, error) {
	var ids idList
	k := call{method: http.MethodPost, path: "/subscriber/search",
		form: form{"email": {email}}, subject: "contact with this e-mail address"}
	if err := c.do(ctx, k, &ids); err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", sdk.NotFound("KlickTipp has no contact with this e-mail address")
	}
	return ids[0], nil
}

// Changes is what Update writes to a subscriber.
type Changes struct {
	// Fields maps field ids (fieldFirstName, field12345) to new values;
	// fields not named keep theirs.
	Fields map[string]string
	// NewEmail, when set, changes the subscriber's e-mail address.
	NewEmail string
}

// Update writes changes to a subscriber; NotFound when KlickTipp has no
// subscriber with this id.
func (c *Client) Update(ctx context.Context, id string, changes Changes) error {
	if !isID(id) {
		return sdk.NotFound("KlickTipp has no contact %q: its contact ids are numbers", id)
	}
	f := form{}
	f.setMap("fields", changes.Fields)
	if changes.NewEmail != "" {
		f.Set("newemail", changes.NewEmail)
	}
	var answer json.RawMessage
	k := call{method: http.MethodPut, path: "/subscriber/" + id, form: f, subject: "contact " + id}
	if err := c.do(ctx, k, &answer); err != nil {
		return err
	}
	if !confirmed(answer) {
		return sdk.Retryable(fmt.Errorf("%s: %w", k, errNotConfirmed), 0)
	}
	return nil
}

// Tags returns every tag of the account, id → name.
func (c *Client) Tags(ctx context.Context) (map[string]string, error) {
	var tags phpMap
	if err := c.do(ctx, call{method: http.MethodGet, path: "/tag"}, &tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// Fields returns every contact field of the account, id → name.
func (c *Client) Fields(ctx context.Context) (map[string]string, error) {
	var fields phpMap
	if err := c.do(ctx, call{method: http.MethodGet, path: "/field"}, &fields); err != nil {
		return nil, err
	}
	return fields, nil
}

// isID reports whether id can be a KlickTipp id: digits only. Checking it
// here also keeps anything but digits out of the request path.
func isID(id string) bool {
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

// form is a request body in KlickTipp's form encoding, where a map is
// written fields[fieldFirstName]=Anna and a list tagids[0]=1&tagids[1]=2.
type form url.Values

func (f form) Set(key, value string) { url.Values(f).Set(key, value) }
func (f form) Encode() string        { return url.Values(f).Encode() }

func (f form) setMap(key string, m map[string]string) {
	for k, v := range m {
		f.Set(key+"["+k+"]", v)
	}
}
