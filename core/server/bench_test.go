package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// BenchmarkReceive measures the webhook handler's own work on a KlickTipp
// webhook as make bench sends them: reading and parsing it, checking its
// key, keeping the secrets out of what is stored, and the 202 answer. The
// inbox takes each webhook at once, so neither the store nor net/http is
// in the figure; httptest's request and recorder, made for each webhook,
// are (about half of it): go test -run '^$' -bench Receive ./core/server
func BenchmarkReceive(b *testing.B) {
	const key = "bench-access-key-0123456789"
	path := filepath.Join(b.TempDir(), "crmhub.yaml")
	yaml := `
access_key: ` + key + `
admin: { token: bench-admin-token-0123456789 }
crms:
  klicktipp: { enabled: true }
  hubspot: { enabled: true, access_key: bench-hubspot-key-0123456789 }
apps:
  shop: { secret: whsec_Mf+Q9r8GKYqr/wjUPD8ILPZIo2LaLaSw, token: bench-app-token-0123456789 }
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Inbox: &takeAll{},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := s.Handler()
	i := 0
	for b.Loop() {
		i++
		id := strconv.Itoa(1_000_000 + i)
		r := httptest.NewRequest(http.MethodPost, "/hooks/klicktipp?action=add&access_key="+key,
			strings.NewReader("SubscriberID="+id+"&email=contact"+id+"%40example.com"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("User-Agent", "Go-http-client/1.1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("answered %d: %s", w.Code, w.Body)
		}
	}
}

// takeAll is an inbox that takes every webhook at once, numbering them.
type takeAll struct{ last atomic.Int64 }

func (t *takeAll) Accept(_ context.Context, ev *store.Event) error {
	ev.ID = t.last.Add(1)
	return nil
}

func (t *takeAll) Wait(context.Context, int64) (*store.Event, error) {
	panic("BenchmarkReceive sends no ?wait=")
}
