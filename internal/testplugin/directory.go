package testplugin

import (
	"context"
	"maps"
	"sync"

	"github.com/crmhub/crmhub/sdk"
)

// Directory is the in-memory stand-in for a CRM account: its contacts, tags
// and fields. Share one between CRM values to let them see each other's
// writes, as plugins of one account would.
type Directory struct {
	mu       sync.Mutex
	contacts map[string]sdk.Contact
	stalled  chan struct{} // non-nil while Stall holds calls
	requests int           // calls to the directory so far
}

// Requests counts the calls to the directory so far: the requests a real
// CRM's API would have served.
func (d *Directory) Requests() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests
}

// Tags of the test account.
var (
	TagCustomer   = sdk.Tag{ID: "1", Name: "Customer"}
	TagNewsletter = sdk.Tag{ID: "2", Name: "Newsletter"}
	TagVIP        = sdk.Tag{ID: "3", Name: "VIP"}
)

// Fields of the test account.
var Fields = []sdk.Field{
	{ID: "fieldFirstName", Name: "First name"},
	{ID: "fieldLastName", Name: "Last name"},
	{ID: "fieldPhone", Name: "Phone"},
}

// Anna is a contact the test account has.
var Anna = sdk.Contact{
	ID:     "1001",
	Email:  "anna@example.com",
	Tags:   []sdk.Tag{TagCustomer, TagNewsletter},
	Fields: map[string]string{"fieldFirstName": "Anna", "fieldLastName": "Berg"},
}

// Ben is another contact, without tags.
var Ben = sdk.Contact{
	ID:     "1002",
	Email:  "ben@example.com",
	Tags:   []sdk.Tag{},
	Fields: map[string]string{"fieldFirstName": "Ben"},
}

// NewDirectory returns an account holding Anna and Ben.
func NewDirectory() *Directory {
	d := &Directory{contacts: map[string]sdk.Contact{}}
	for _, c := range []sdk.Contact{Anna, Ben} {
		d.contacts[c.ID] = clone(c)
	}
	return d
}

// Stall makes every call to the directory hang until release is called or
// the call's context ends: a CRM API that stopped answering.
func (d *Directory) Stall() (release func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	gate := make(chan struct{})
	d.stalled = gate
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.stalled == gate {
			close(gate)
			d.stalled = nil
		}
	}
}

// wait blocks while the directory is stalled.
func (d *Directory) wait(ctx context.Context) error {
	d.mu.Lock()
	d.requests++
	gate := d.stalled
	d.mu.Unlock()
	if gate == nil {
		return ctx.Err()
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Directory) get(ctx context.Context, id string) (sdk.Contact, bool, error) {
	if err := d.wait(ctx); err != nil {
		return sdk.Contact{}, false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.contacts[id]
	return clone(c), ok, nil
}

func (d *Directory) find(ctx context.Context, email string) (string, bool, error) {
	if err := d.wait(ctx); err != nil {
		return "", false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, c := range d.contacts {
		if c.Email == email {
			return id, true, nil
		}
	}
	return "", false, nil
}

func (d *Directory) update(ctx context.Context, id string, fields map[string]string) (bool, error) {
	if err := d.wait(ctx); err != nil {
		return false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.contacts[id]
	if ok {
		maps.Copy(c.Fields, fields)
	}
	return ok, nil
}

func clone(c sdk.Contact) sdk.Contact {
	c.Tags = append([]sdk.Tag{}, c.Tags...)
	c.Fields = maps.Clone(c.Fields)
	if c.Fields == nil {
		c.Fields = map[string]string{}
	}
	return c
}
