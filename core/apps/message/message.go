// Package message is the JSON an application receives about the hub's
// users: the user as the API shows it, and the user events that are pushed
// to an app and served by the change feed. It is plain data, shared by the
// engine that writes the events, the store's readers and the HTTP API.
package message

import (
	"strconv"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// Event types.
const (
	UserCreated = "user.created"
	UserUpdated = "user.updated"
	// Ping is the type of the test message an operator sends to an app.
	Ping = "ping"
)

// Message is what an app receives: one user event.
type Message struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// Data is a user event's data.
type Data struct {
	// User is the user as it is after the change.
	User    User    `json:"user"`
	Changes Changes `json:"changes"`
	Cause   Cause   `json:"cause"`
	// Sequence rises with every event of this user, so an app can drop
	// an event older than one it has applied.
	Sequence int64 `json:"sequence"`
}

// Cause is the webhook whose processing changed the user.
type Cause struct {
	EventID   string `json:"event_id"` // "" when no inbox event caused it
	CRM       string `json:"crm"`
	ContactID string `json:"contact_id"`
	Action    string `json:"action"`
}

// User is a user with its CRM contacts, tags and profile fields, as the
// API shows it. It never carries the password hash.
type User struct {
	ID        string            `json:"id"`
	Username  string            `json:"username"`
	Email     string            `json:"email"`
	Role      string            `json:"role"`
	FirstName string            `json:"first_name"`
	LastName  string            `json:"last_name"`
	Fields    map[string]string `json:"fields"`
	Contacts  []Contact         `json:"contacts"`
	Tags      []Tag             `json:"tags"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Contact is a user's link to a CRM contact.
type Contact struct {
	CRM       string `json:"crm"`
	ContactID string `json:"contact_id"`
}

// Tag is a tag a CRM put on a user.
type Tag struct {
	CRM  string `json:"crm"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// NewUser shows a user with its details.
func NewUser(u store.User, d store.UserDetails) User {
	out := User{
		ID: strconv.FormatInt(u.ID, 10), Username: u.Username, Email: u.Email, Role: u.Role,
		FirstName: u.FirstName, LastName: u.LastName,
		Fields: map[string]string{}, Contacts: []Contact{}, Tags: []Tag{},
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
	for name, value := range d.Fields {
		out.Fields[name] = value
	}
	for _, l := range d.Links {
		out.Contacts = append(out.Contacts, Contact{CRM: l.CRM, ContactID: l.ContactID})
	}
	for _, t := range d.Tags {
		out.Tags = append(out.Tags, Tag{CRM: t.CRM, ID: t.TagID, Name: t.TagName})
	}
	return out
}
