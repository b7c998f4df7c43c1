package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/store"
)

// Inbox is what the webhook handlers need of the inbox.
type Inbox interface {
	// Accept stores a webhook durably; nil means it may be acknowledged.
	Accept(ctx context.Context, ev *store.Event) error
	// Wait returns the event once final, or as it is when ctx ends.
	Wait(ctx context.Context, id int64) (*store.Event, error)
}

// Replayer re-queues failed and dead events (the inbox's Replay).
type Replayer interface {
	Replay(ctx context.Context, f store.ReplayFilter) ([]int64, error)
}

// Deps are the parts the server's handlers use.
type Deps struct {
	// Config returns the current configuration; it changes on reload.
	Config func() *config.Config
	Store  *store.Store
	Inbox  Inbox
	Log    *slog.Logger

	// Replayer serves the admin API's replays.
	Replayer Replayer
	// Plugins returns every configured CRM's plugin state, for the admin
	// API; nil lists none.
	Plugins func() []store.PluginState
	// Metrics counts webhooks and serves /metrics; nil turns both off.
	Metrics *metrics.Metrics
	// Console is the web console, served under /ui/; nil answers 404
	// there.
	Console http.Handler

	// Apps sends test messages to apps, Feed serves the change feed and
	// SignIn checks sign-ins; a nil one answers its routes 404.
	Apps   AppTester
	Feed   ChangeFeed
	SignIn Verifier

	// Door gives each CRM's webhook profile and checks the requests of a
	// CRM whose plugin asks for it; nil treats every CRM as KlickTipp's
	// kind (any request with the right key is stored, 202).
	Door Door
}

// AppTester sends an app a signed test message (the delivery worker).
type AppTester interface {
	Test(ctx context.Context, app string) (apps.Reply, error)
	// Kick makes the worker look for due deliveries now.
	Kick()
}

// ChangeFeed serves the change feed (an *apps.Feed).
type ChangeFeed interface {
	Read(ctx context.Context, after store.ChangeCursor, limit int, wait time.Duration) ([]store.FeedChange, error)
}

// Verifier checks an app user's login and password (an *apps.SignIn).
type Verifier interface {
	Verify(ctx context.Context, login, password, addr string) (*store.User, error)
}

// Server holds what the handlers need. Build it with New and serve
// Handler().
type Server struct {
	Deps
	mux        *router
	rejections *rejections
	secrets    atomic.Pointer[configSecrets] // the current configuration's hookSecrets
}

// New builds the server's routes.
func New(d Deps) *Server {
	s := &Server{Deps: d, mux: newRouter(), rejections: newRejections()}
	s.routes()
	return s
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.mux }
