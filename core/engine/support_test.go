package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// fakeCRM is an in-memory CRM: the contacts the engine fetches and the
// fields the outbox writes back.
type fakeCRM struct {
	mu       sync.Mutex
	contacts map[string]sdk.Contact // by "crm/id"
	err      error                  // returned by every GetContact when set
	gets     int
	updates  []contactUpdate
}

type contactUpdate struct {
	CRM, ContactID string
	Fields         map[string]string
}

func newFakeCRM() *fakeCRM { return &fakeCRM{contacts: map[string]sdk.Contact{}} }

func (f *fakeCRM) put(crm string, c sdk.Contact) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.contacts[crm+"/"+c.ID] = c
}

func (f *fakeCRM) failWith(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeCRM) GetContact(_ context.Context, crm, id string) (sdk.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.err != nil {
		return sdk.Contact{}, f.err
	}
	c, ok := f.contacts[crm+"/"+id]
	if !ok {
		return sdk.Contact{}, sdk.NotFound("no contact %s", id)
	}
	return c, nil
}

func (f *fakeCRM) UpdateContact(_ context.Context, crm, id string, fields map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.updates = append(f.updates, contactUpdate{CRM: crm, ContactID: id, Fields: fields})
	return nil
}

func (f *fakeCRM) writes() []contactUpdate {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]contactUpdate(nil), f.updates...)
}

// contact builds a KlickTipp-like contact.
func contact(id, email string, tags ...sdk.Tag) sdk.Contact {
	return sdk.Contact{ID: id, Email: email, Tags: tags, Fields: map[string]string{}}
}

func tag(id, name string) sdk.Tag { return sdk.Tag{ID: id, Name: name} }

// baseConfig is the hub's default configuration with KlickTipp's usual
// field mapping.
func baseConfig() engine.Config {
	return engine.Config{
		DefaultRole:     "subscriber",
		AllowedRoles:    []string{"subscriber", "customer", "member"},
		PrivilegedRoles: []string{"administrator"},
		UsernameFormat:  engine.UsernameEmail,
		CRMs: map[string]engine.CRMConfig{
			"klicktipp": {Fields: map[string]string{
				"first_name": "fieldFirstName", "last_name": "fieldLastName", "phone": "fieldPhone",
			}},
		},
	}
}

// logBuffer collects log output from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var testKey = bytes.Repeat([]byte{42}, secret.KeySize)

func testBox() *secret.Box {
	box, err := secret.NewBox(testKey)
	Expect(err).NotTo(HaveOccurred())
	return box
}

func testBoxFor(b *testing.B) *secret.Box {
	box, err := secret.NewBox(testKey)
	if err != nil {
		b.Fatal(err)
	}
	return box
}

// userByEmail fetches a user that must exist.
func userByEmail(ctx context.Context, s *store.Store, email string) *store.User {
	u, err := s.UserByEmail(ctx, email)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return u
}

func count(ctx context.Context, s *store.Store, model any) int {
	n, err := s.DB().NewSelect().Model(model).Count(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return int(n)
}

// tagNames returns a user's tag names of one CRM.
func tagNames(ctx context.Context, s *store.Store, userID int64, crm string) []string {
	tags, err := s.CRMTags(ctx, userID, crm)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	names := []string{}
	for _, t := range tags {
		names = append(names, t.TagName)
	}
	return names
}

// messages returns the activity lines of one event, oldest first.
func messages(ctx context.Context, s *store.Store, eventID int64) []string {
	lines, err := s.EventActivity(ctx, eventID)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	var msgs []string
	for _, l := range lines {
		msgs = append(msgs, l.Message)
	}
	return msgs
}

// everyValue returns every value of every row of every table, as text.
func everyValue(ctx context.Context, s *store.Store) []string {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.Dialect() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	var tables []string
	Expect(s.DB().NewRaw(q).Scan(ctx, &tables)).To(Succeed())
	Expect(tables).To(ContainElements("users", "outbox", "activity"))
	var values []string
	for _, t := range tables {
		rows, err := s.DB().QueryContext(ctx, "SELECT * FROM "+t)
		Expect(err).NotTo(HaveOccurred())
		cols, err := rows.Columns()
		Expect(err).NotTo(HaveOccurred())
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			Expect(rows.Scan(ptrs...)).To(Succeed())
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					values = append(values, string(b))
				} else {
					values = append(values, fmt.Sprint(v))
				}
			}
		}
		Expect(rows.Err()).To(Succeed())
		Expect(rows.Close()).To(Succeed())
	}
	return values
}

func itoa(n int64) string { return fmt.Sprint(n) }
