package fakeklicktipp

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Subscriber is a contact as a test seeds or reads it.
type Subscriber struct {
	// ID is assigned by AddSubscriber when empty.
	ID    string
	Email string
	// ManualTags holds the ids of tags applied by hand or automation;
	// SmartTags the ids of tags KlickTipp computes. A tag id need not be
	// in the account's tag list (a tag created after the plugin cached
	// the list, or one since deleted).
	ManualTags []string
	SmartTags  []string
	// Fields maps field ids to values; fields not set read as "".
	Fields map[string]string
}

type subscriber struct {
	id, email string
	manual    map[string]string // tag id → Unix time it was applied, as text
	smart     map[string]string
	fields    map[string]string
	created   time.Time
}

// standardFields are the contact fields every KlickTipp account has.
func standardFields() map[string]string {
	return map[string]string{
		"fieldFirstName": "Vorname", "fieldLastName": "Nachname", "fieldCompanyName": "Firma",
		"fieldStreet1": "Straße 1", "fieldStreet2": "Straße 2", "fieldCity": "Stadt",
		"fieldState": "Bundesland", "fieldZip": "PLZ", "fieldCountry": "Land",
		"fieldPrivatePhone": "Telefon (privat)", "fieldMobilePhone": "Telefon (mobil)",
		"fieldPhone": "Telefon", "fieldFax": "Fax", "fieldWebsite": "Webseite",
		"fieldBirthday": "Geburtstag", "fieldLeadValue": "LeadValue",
	}
}

// AddTag adds a tag to the account's tag list, or renames it.
func (s *Server) AddTag(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tags[id] = name
}

// AddField adds a custom contact field (e.g. "field12345") to the account.
func (s *Server) AddField(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fields[id] = name
}

// AddSubscriber adds a contact, or replaces the one with the same ID, and
// returns its id. It panics when another contact has the same e-mail
// address, as KlickTipp would refuse it.
func (s *Server) AddSubscriber(sub Subscriber) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.ID == "" {
		sub.ID = s.newID()
	}
	email := strings.ToLower(sub.Email)
	if other, taken := s.byEmail[email]; taken && other != sub.ID {
		panic(fmt.Sprintf("fakeklicktipp: AddSubscriber: subscriber %s already has this e-mail address", other))
	}
	if old, ok := s.subscribers[sub.ID]; ok {
		delete(s.byEmail, strings.ToLower(old.email))
	}
	now := time.Now()
	s.subscribers[sub.ID] = &subscriber{
		id: sub.ID, email: sub.Email,
		manual:  taggedNow(sub.ManualTags, now),
		smart:   taggedNow(sub.SmartTags, now),
		fields:  maps.Clone(sub.Fields),
		created: now,
	}
	s.byEmail[email] = sub.ID
	return sub.ID
}

// newID returns the next id that no subscriber has; s.mu is held.
func (s *Server) newID() string {
	for {
		s.lastID++
		id := strconv.FormatInt(s.lastID, 10)
		if _, taken := s.subscribers[id]; !taken {
			return id
		}
	}
}

func taggedNow(ids []string, now time.Time) map[string]string {
	tagged := make(map[string]string, len(ids))
	for _, id := range ids {
		tagged[id] = strconv.FormatInt(now.Unix(), 10)
	}
	return tagged
}

// SetTags replaces a contact's manual and smart tags.
func (s *Server) SetTags(id string, manual, smart []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return fmt.Errorf("fakeklicktipp: no subscriber %s", id)
	}
	now := time.Now()
	sub.manual, sub.smart = taggedNow(manual, now), taggedNow(smart, now)
	return nil
}

// SetField sets one field of a contact.
func (s *Server) SetField(id, field, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return fmt.Errorf("fakeklicktipp: no subscriber %s", id)
	}
	if sub.fields == nil {
		sub.fields = map[string]string{}
	}
	sub.fields[field] = value
	return nil
}

// Subscriber returns a contact as the fake holds it now.
func (s *Server) Subscriber(id string) (Subscriber, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return Subscriber{}, false
	}
	return Subscriber{
		ID:         sub.id,
		Email:      sub.email,
		ManualTags: sortedKeys(sub.manual),
		SmartTags:  sortedKeys(sub.smart),
		Fields:     maps.Clone(sub.fields),
	}, true
}

// DeleteSubscriber removes a contact.
func (s *Server) DeleteSubscriber(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.subscribers[id]; ok {
		delete(s.byEmail, strings.ToLower(sub.email))
		delete(s.subscribers, id)
	}
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
