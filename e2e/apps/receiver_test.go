package apps_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// message is a user event as an application receives it.
type message struct {
	ID   string `json:"-"`
	Type string `json:"type"`
	Data struct {
		User struct {
			ID    string `json:"id"`
			Email string `json:"email"`
			Tags  []struct {
				CRM, ID, Name string
			} `json:"tags"`
		} `json:"user"`
		Changes  map[string]json.RawMessage `json:"changes"`
		Cause    map[string]string          `json:"cause"`
		Sequence int64                      `json:"sequence"`
	} `json:"data"`
}

// app is the application: it checks every delivery with the official
// Standard Webhooks library — never with the hub's own signing code — and
// keeps what it accepted. While down, it answers 503.
type app struct {
	srv *httptest.Server
	wh  *standardwebhooks.Webhook

	mu       sync.Mutex
	got      []message
	rejected int // deliveries whose signature did not verify
	down     bool
}

func startApp(secret string) *app {
	wh, err := standardwebhooks.NewWebhook(secret)
	Expect(err).NotTo(HaveOccurred())
	a := &app{wh: wh}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	return a
}

func (a *app) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil || a.wh.Verify(body, r.Header) != nil {
		a.rejected++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if a.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	m.ID = r.Header.Get("webhook-id")
	a.got = append(a.got, m)
	w.WriteHeader(http.StatusNoContent)
}

func (a *app) setDown(down bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.down = down
}

func (a *app) messages() []message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]message(nil), a.got...)
}

func (a *app) rejections() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rejected
}

// types lists the messages' types and sequences, e.g. "user.created#1".
func types(msgs []message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Type+"#"+itoa(m.Data.Sequence))
	}
	return out
}
