package server

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/store"
)

// The applications' part of the read layer: the configured apps, their
// deliveries, and the two things an operator does to them (replay the
// dead ones, send a test message). The admin API and the console both
// call these.

// AppList lists every configured app, by name, with its deliveries counted
// by status. It is one page.
func (rd Reads) AppList(ctx context.Context) (List[App], error) {
	counts, err := rd.Store.Reader().DeliveryCounts(ctx)
	if err != nil {
		return List[App]{}, err
	}
	cfg := rd.Config()
	out := List[App]{Items: []App{}}
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		out.Items = append(out.Items, NewApp(name, cfg.Apps[name], counts[name]))
	}
	return out, nil
}

// App is the configured app name with its deliveries counted by status;
// an app that is not configured is store.ErrNotFound.
func (rd Reads) App(ctx context.Context, name string) (App, error) {
	a, ok := rd.Config().Apps[name]
	if !ok {
		return App{}, store.ErrNotFound
	}
	counts, err := rd.Store.Reader().DeliveryCounts(ctx)
	if err != nil {
		return App{}, err
	}
	return NewApp(name, a, counts[name]), nil
}

// Deliveries lists one page of the configured app's deliveries, newest
// first, read from the query as the admin API takes it: status (pending,
// sending, delivered, dead; all when empty), limit and cursor.
func (rd Reads) Deliveries(ctx context.Context, app string, q url.Values) (List[DeliveryLine], error) {
	if err := rd.configured(app); err != nil {
		return List[DeliveryLine]{}, err
	}
	page, err := ParsePage(q)
	if err != nil {
		return List[DeliveryLine]{}, err
	}
	status := q.Get("status")
	if status != "" && !slices.Contains(store.DeliveryStatuses, status) {
		return List[DeliveryLine]{}, badRequest("status must be pending, sending, delivered or dead")
	}
	return rd.deliveries(ctx, store.DeliveryFilter{App: app, Status: status}, page)
}

// UserDeliveries lists a user's latest deliveries to every app, up to
// limit, newest first.
func (rd Reads) UserDeliveries(ctx context.Context, userID int64, limit int) (List[DeliveryLine], error) {
	return rd.deliveries(ctx, store.DeliveryFilter{UserID: userID}, store.Page{Limit: limit})
}

func (rd Reads) deliveries(ctx context.Context, f store.DeliveryFilter, page store.Page) (List[DeliveryLine], error) {
	rows, next, err := rd.Store.Reader().ListDeliveries(ctx, f, page)
	if err != nil {
		return List[DeliveryLine]{}, err
	}
	changeIDs := make([]int64, len(rows))
	for i, d := range rows {
		changeIDs[i] = d.ChangeID
	}
	types, err := rd.Store.Reader().ChangeTypes(ctx, changeIDs)
	if err != nil {
		return List[DeliveryLine]{}, err
	}
	out := List[DeliveryLine]{Items: make([]DeliveryLine, len(rows)), NextCursor: cursor(next)}
	for i, d := range rows {
		out.Items[i] = DeliveryLine{Delivery: NewDelivery(d), Type: types[d.ChangeID]}
	}
	return out, nil
}

// ReplayDeliveries sends the configured app's deliveries again from their
// first attempt, as the query selects them: status dead (the default) or
// delivered, created since `since` (an RFC 3339 time, or a duration back
// from now such as 24h; all when empty). It reports how many, and wakes
// the delivery worker.
func (rd Reads) ReplayDeliveries(ctx context.Context, app string, q url.Values) (int, error) {
	if err := rd.configured(app); err != nil {
		return 0, err
	}
	status := q.Get("status")
	if status == "" {
		status = store.DeliveryDead
	}
	if status != store.DeliveryDead && status != store.DeliveryDelivered {
		return 0, badRequest("status must be dead or delivered")
	}
	since, err := ParseSince(q.Get("since"))
	if err != nil {
		return 0, err
	}
	n, err := rd.Store.ReplayDeliveries(ctx, app, status, since)
	if err != nil {
		return 0, err
	}
	if rd.Apps != nil {
		rd.Apps.Kick()
	}
	return n, nil
}

// ParseSince reads an RFC 3339 time or a duration back from now (24h),
// as the apps' replay takes it; "" is the zero time.
func ParseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, badRequest("since must be an RFC 3339 time (2026-12-01T10:00:00Z) or a duration (24h)")
}

// ErrNotPushed is TestApp's answer for a configured app that is disabled
// or has no url: nothing is pushed to it, so there is nothing to test.
type ErrNotPushed struct{ App string }

func (e ErrNotPushed) Error() string {
	return "app " + e.App + " is not enabled or has no url: nothing is pushed to it"
}

// TestApp sends the configured app a signed ping message now and returns
// what it replied; a failed reply is no error, it says how the app
// failed. Without a delivery worker every app is store.ErrNotFound.
func (rd Reads) TestApp(ctx context.Context, app string) (TestReply, error) {
	if err := rd.configured(app); err != nil || rd.Apps == nil {
		return TestReply{}, store.ErrNotFound
	}
	reply, err := rd.Apps.Test(ctx, app)
	if errors.Is(err, apps.ErrNoSuchApp) {
		return TestReply{}, ErrNotPushed{App: app}
	}
	if err != nil {
		return TestReply{}, err
	}
	return TestReply{App: app, Status: reply.Status, Body: reply.Body, Error: reply.Error,
		TookMS: reply.Took.Milliseconds()}, nil
}

// configured is store.ErrNotFound for a name no app has in the
// configuration.
func (rd Reads) configured(app string) error {
	if _, ok := rd.Config().Apps[app]; !ok {
		return store.ErrNotFound
	}
	return nil
}
