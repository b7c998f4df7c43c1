package engine_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// BenchmarkApplyUpdate measures one update of a known user on SQLite: its
// tags change every time, its fields are pulled.
func BenchmarkApplyUpdate(b *testing.B) {
	ctx := context.Background()
	s := storetest.OpenSQLite(b)
	crm := newFakeCRM()
	eng := engine.New(baseConfig(), crm, s, testBoxFor(b), nil)
	c := sdk.Contact{ID: "123", Email: "anna@example.com", Fields: map[string]string{"fieldFirstName": "Anna", "fieldPhone": "030 1"}}
	crm.put("klicktipp", c)
	if _, err := eng.Apply(ctx, engine.Event{CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123"}, nil); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		c.Tags = []sdk.Tag{{ID: "1", Name: "Kunde"}, {ID: fmt.Sprint(i % 2), Name: "Wechsel"}}
		crm.put("klicktipp", c)
		if _, err := eng.Apply(ctx, engine.Event{CRM: "klicktipp", Action: engine.ActionUpdate, ContactID: "123"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyAdd measures the creation of one new user on SQLite,
// argon2id hash and sealed welcome mail included.
func BenchmarkApplyAdd(b *testing.B) {
	ctx := context.Background()
	s := storetest.OpenSQLite(b)
	crm := newFakeCRM()
	eng := engine.New(baseConfig(), crm, s, testBoxFor(b), nil)
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprint(i)
		crm.put("klicktipp", sdk.Contact{ID: id, Email: "user" + id + "@example.com", Tags: []sdk.Tag{{ID: "1", Name: "Kunde"}}})
		res, err := eng.Apply(ctx, engine.Event{CRM: "klicktipp", Action: engine.ActionAdd, ContactID: id, SendNotification: true}, nil)
		if err != nil || res.Outcome != engine.Created {
			b.Fatal(res, err)
		}
	}
}
