package apps_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crmhub/crmhub/core/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// addChange commits a user event of userID queued for apps, as the engine
// does.
func addChange(ctx context.Context, s *store.Store, userID, seq int64, apps ...string) int64 {
	c := &store.Change{UserID: userID, Type: "user.updated", Sequence: seq,
		Data: `{"user":{"id":"` + itoa(userID) + `"},"sequence":` + itoa(seq) + `}`}
	ExpectWithOffset(1, s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		return tx.AddChange(ctx, c, apps)
	})).To(Succeed())
	return c.ID
}

// received is one message an app took in.
type received struct {
	ID       string
	Type     string
	UserID   string
	Sequence int64
}

// receiver is an app: it verifies each message with the Standard Webhooks
// library and answers with the status answer picks (200 when nil).
type receiver struct {
	srv *httptest.Server
	wh  *standardwebhooks.Webhook

	mu       sync.Mutex
	got      []received // accepted with 2xx
	bad      int        // messages whose signature did not verify
	attempts int
	answer   func(r received) int
}

func newReceiver() *receiver {
	wh, err := standardwebhooks.NewWebhook(testSecret)
	Expect(err).NotTo(HaveOccurred())
	rc := &receiver{wh: wh}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if err := rc.wh.Verify(body, r.Header); err != nil || r.Header.Get("Content-Type") != "application/json" {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var msg struct {
		Type string `json:"type"`
		Data struct {
			User     struct{ ID string } `json:"user"`
			Sequence int64               `json:"sequence"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &msg)
	m := received{ID: r.Header.Get("webhook-id"), Type: msg.Type, UserID: msg.Data.User.ID, Sequence: msg.Data.Sequence}
	code := http.StatusOK
	if rc.answer != nil {
		code = rc.answer(m)
	}
	if code < 300 {
		rc.got = append(rc.got, m)
	}
	w.WriteHeader(code)
}

func (rc *receiver) answerWith(f func(received) int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = f
}

func (rc *receiver) messages() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (rc *receiver) badSignatures() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.bad
}

func (rc *receiver) attemptCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts
}

// deliveries lists an app's deliveries by status.
func deliveries(ctx context.Context, s *store.Store, app string) map[string]int {
	counts, err := s.DeliveryCounts(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	if counts[app] == nil {
		return map[string]int{}
	}
	return counts[app]
}
