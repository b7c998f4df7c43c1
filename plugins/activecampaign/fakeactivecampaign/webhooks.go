package fakeactivecampaign

import (
	"net/url"
	"strconv"
	"strings"
)

// Webhook builds the form body ActiveCampaign posts for an event type
// (e.g. "contact_tag_added"; "" for an automation's webhook step, which
// sends no type) about the contact with this id, as the fake holds it:
// PHP-style keys, tags as ", "-joined names, custom field values without
// their ids.
func (s *Server) Webhook(event, id string) []byte {
	c, _ := s.Contact(id)
	s.mu.Lock()
	names := make([]string, 0, len(c.Tags))
	for _, tag := range c.Tags {
		names = append(names, s.tags[tag])
	}
	s.mu.Unlock()
	form := url.Values{
		"date_time":           {"2023-07-12T06:49:04-05:00"},
		"initiated_from":      {"admin"},
		"initiated_by":        {"admin"},
		"list":                {"0"},
		"contact[id]":         {c.ID},
		"contact[email]":      {c.Email},
		"contact[first_name]": {c.FirstName},
		"contact[last_name]":  {c.LastName},
		"contact[phone]":      {c.Phone},
		"contact[tags]":       {strings.Join(names, ", ")},
		"contact[orgname]":    {""},
		"customer_acct_id":    {"0"},
	}
	if event != "" {
		form.Set("type", event)
	}
	i := 0
	for _, field := range sortedKeys(c.Fields) {
		form.Set("contact[fields]["+strconv.Itoa(i)+"]", c.Fields[field])
		i++
	}
	return []byte(form.Encode())
}
