package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// listing is a plugin host whose webhooks name their contacts as a comma
// list in the body ("1,2"); contacts starting with 404 are unknown to the
// CRM (see tagger).
type listing struct{}

func (listing) Ready(string) bool { return true }
func (listing) DecodeWebhooks(_ context.Context, _ string, hooks []sdk.RawWebhook) ([]inbox.Decoding, error) {
	out := make([]inbox.Decoding, len(hooks))
	for i, h := range hooks {
		for id := range strings.SplitSeq(string(h.Body), ",") {
			out[i].Items = append(out[i].Items, sdk.Item{ContactID: id})
		}
	}
	return out, nil
}
func (listing) FindContact(context.Context, string, string) (string, error) { return "", nil }

// tagger plays the engine: every contact's tags are updated, but for the
// contacts starting with 404, which the CRM does not know.
type tagger struct{ st *store.Store }

func (t tagger) Apply(ctx context.Context, ev engine.Event, commit engine.CommitFunc) (engine.Result, error) {
	res := engine.Result{Outcome: engine.TagsUpdated, Message: "tags of " + ev.ContactID}
	if strings.HasPrefix(ev.ContactID, "404") {
		res = engine.Result{Outcome: engine.ContactNotFound, Message: "no contact " + ev.ContactID}
	}
	return res, t.st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return commit(ctx, tx, res) })
}

var _ = Describe("A webhook naming several contacts", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var srv *httptest.Server

		BeforeEach(func() {
			st := db.Store()
			cfg := loadConfig("access_key: " + key + "\ncrms:\n  klicktipp: { enabled: true }\n")
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			in := inbox.New(st, listing{}, tagger{st}, inbox.Options{CRMs: cfg.Enabled, Poll: 20 * time.Millisecond}, log)
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() { in.Stop(context.Background()) })
			s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Store: st, Inbox: in, Log: log})
			srv = httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
		})

		send := func(body string) (int, map[string]any) {
			resp, err := http.Post(srv.URL+"/hooks/klicktipp?action=update_tags&wait=10s&access_key="+key, "text/plain", strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			var out map[string]any
			Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
			return resp.StatusCode, out
		}

		It("answers a wait once every item is final, with each item's outcome and their status together", func() {
			code, out := send("1,4041,2")
			Expect(code).To(Equal(http.StatusOK))
			Expect(out).To(SatisfyAll(
				HaveKeyWithValue("status", "failed"),
				HaveKeyWithValue("contact_id", "1"),
				HaveKeyWithValue("items", HaveExactElements(
					SatisfyAll(HaveKeyWithValue("id", out["id"]), HaveKeyWithValue("status", "done"), HaveKeyWithValue("outcome", "tags_updated")),
					SatisfyAll(HaveKeyWithValue("request_id", out["id"]), HaveKeyWithValue("contact_id", "4041"),
						HaveKeyWithValue("status", "failed"), HaveKeyWithValue("outcome", "contact_not_found")),
					SatisfyAll(HaveKeyWithValue("request_id", out["id"]), HaveKeyWithValue("contact_id", "2"), HaveKeyWithValue("status", "done")),
				)),
			))
		})

		It("answers a request of one item in the shape of old, without items", func() {
			code, out := send("3")
			Expect(code).To(Equal(http.StatusOK))
			Expect(out).To(SatisfyAll(HaveKeyWithValue("status", "done"), HaveKeyWithValue("contact_id", "3"), Not(HaveKey("items")),
				Not(HaveKey("request_id"))))
			Expect(out).To(HaveLen(8), "id, crm, action, contact_id, status, outcome, user_id, message")
		})
	})
})
