package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// BenchmarkEventLifecycle measures the store's share of one webhook's
// life on SQLite, beside a history of finished events: stored as
// received, decoded, claimed and finished, sixteen at a time as the
// inbox does it, each step a transaction without fsync (which the disk,
// not the store, prices). It reports the time per event, in all and per
// step: go test -run '^$' -bench EventLifecycle ./core/store
//
// In "new contacts" each event is of a contact never seen before; in
// "returning contacts" sixteen contacts come back again and again, so
// each has a history of 1,250 events when the timing starts: a step that
// read a contact's history would cost more there.
func BenchmarkEventLifecycle(b *testing.B) {
	b.Run("new contacts", func(b *testing.B) { benchmarkEventLifecycle(b, 0) })
	b.Run("returning contacts", func(b *testing.B) { benchmarkEventLifecycle(b, 16) })
}

// benchmarkEventLifecycle runs BenchmarkEventLifecycle with events of
// that many contacts, or of a new contact each when contacts is 0.
func benchmarkEventLifecycle(b *testing.B, contacts int) {
	ctx := context.Background()
	s := storetest.OpenSQLite(b)
	const batch, history = 16, 20_000
	contactOf := func(i int) string {
		if contacts > 0 {
			i %= contacts
		}
		return fmt.Sprint(i)
	}
	steps := []string{"insert", "decode", "claim", "finish"}
	var took [4]time.Duration // by step
	lap := func(step int, t *time.Time) { now := time.Now(); took[step] += now.Sub(*t); *t = now }
	lifecycle := func(first int) {
		t := time.Now()
		evs := make([]*store.Event, batch)
		for i := range evs {
			evs[i] = receivedWebhook(first + i)
		}
		if err := s.InTxNoSync(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertReceived(ctx, evs) }); err != nil {
			b.Fatal(err)
		}
		lap(0, &t)
		if err := s.InTxNoSync(ctx, func(ctx context.Context, tx *store.Tx) error {
			for i, ev := range evs {
				ev.Decoded, ev.ContactID, ev.Status = true, contactOf(first+i), store.StatusPending
			}
			_, err := tx.SaveDecodedEvents(ctx, evs) // a batch at once, as the inbox saves a plugin's answers
			return err
		}); err != nil {
			b.Fatal(err)
		}
		lap(1, &t)
		// The inbox asks for as many as its queue has room for, which
		// varies from claim to claim; the batch is all there is to take.
		claims, err := s.ClaimEvents(ctx, "bench", []string{"klicktipp"}, time.Now().UTC().Add(time.Minute), batch+first/batch%4)
		if err != nil || len(claims) != batch {
			b.Fatal(len(claims), err)
		}
		lap(2, &t)
		if err := s.InTxNoSync(ctx, func(ctx context.Context, tx *store.Tx) error {
			for _, c := range claims {
				c.Event.Status, c.Event.Outcome = store.StatusDone, "tags_updated"
				if err := tx.Finish(ctx, c.Event, c.Lease); err != nil {
					return err
				}
				if err := tx.CloseAttempt(ctx, c.Event, c.Lease, c.Event.Outcome, ""); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		lap(3, &t)
	}
	for i := 0; i < history; i += batch {
		lifecycle(i)
	}
	b.ResetTimer()
	took = [4]time.Duration{}
	n := history
	for b.Loop() {
		lifecycle(n)
		n += batch
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/event")
	for i, name := range steps {
		b.ReportMetric(float64(took[i].Microseconds())/float64(b.N*batch), "µs/"+name)
	}
}

// BenchmarkInsertReceived measures storing a batch of webhooks on SQLite,
// as the inbox commits them under 64 connections, in transactions without
// fsync: go test -run '^$' -bench InsertReceived ./core/store
func BenchmarkInsertReceived(b *testing.B) {
	for _, batch := range []int{16, 64} {
		b.Run(fmt.Sprintf("%d a batch", batch), func(b *testing.B) {
			ctx := context.Background()
			s := storetest.OpenSQLite(b)
			evs := make([]*store.Event, batch)
			for b.Loop() {
				for i := range evs {
					evs[i] = receivedWebhook(i)
				}
				if err := s.InTxNoSync(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertReceived(ctx, evs) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/webhook")
		})
	}
}

// receivedWebhook is the i-th webhook of a benchmark as the inbox hands
// it to the store: a KlickTipp update_tags with its query and headers.
func receivedWebhook(i int) *store.Event {
	return &store.Event{CRM: "klicktipp", Action: "update_tags", Method: "POST", ContentType: "application/x-www-form-urlencoded",
		Query:  "action=update_tags",
		Header: `{"Accept-Encoding":["gzip"],"Content-Length":["44"],"Content-Type":["application/x-www-form-urlencoded"],"User-Agent":["Go-http-client/1.1"]}`,
		Body:   []byte(fmt.Sprintf("id=%d&email=user%d%%40example.com", i, i)), ReceivedAt: time.Now().UTC()}
}
