package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// listApps answers GET /ui/apps: every configured app with its
// deliveries counted by status.
func (c *Console) listApps(w http.ResponseWriter, r *http.Request) {
	list, err := c.Reads.AppList(r.Context())
	if err != nil {
		c.failure(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "apps", page{Title: "Apps", Nav: "apps", Data: list.Items})
}

type appData struct {
	App server.App
	// Status is the deliveries' filter as the form sent it.
	Status     string
	Statuses   []string
	Deliveries server.List[server.DeliveryLine]
	Next       string
	// Replayed is how many dead deliveries a replay queued again; -1
	// when the page does not follow a replay.
	Replayed int
	// Test is the app's reply to a test message, when the page answers
	// Send test.
	Test *server.TestReply
}

// showApp answers GET /ui/apps/{name}: the app, its deliveries (filtered
// by status, 50 a page, followed live), Replay and Send test.
func (c *Console) showApp(w http.ResponseWriter, r *http.Request) {
	d, ok := c.appPage(w, r)
	if !ok {
		return
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("replayed")); err == nil {
		d.Replayed = n
	}
	c.render(w, r, http.StatusOK, "app", page{Title: "App " + d.App.Name, Nav: "apps", Data: d})
}

// appPage reads what the app's page shows, answering the failure itself.
func (c *Console) appPage(w http.ResponseWriter, r *http.Request) (appData, bool) {
	name := r.PathValue("name")
	app, err := c.Reads.App(r.Context(), name)
	if err != nil {
		c.failure(w, r, err)
		return appData{}, false
	}
	q := r.URL.Query()
	deliveries, err := c.Reads.Deliveries(r.Context(), name, q)
	if err != nil {
		c.failure(w, r, err)
		return appData{}, false
	}
	d := appData{App: app, Status: q.Get("status"), Statuses: store.DeliveryStatuses, Deliveries: deliveries, Replayed: -1}
	if deliveries.NextCursor != "" {
		// The app's own path (Send test answers at another), without the
		// notice of a replay.
		q.Set("cursor", deliveries.NextCursor)
		q.Del("replayed")
		d.Next = appPath(name) + "?" + q.Encode()
	}
	return d, true
}

// replayApp answers POST /ui/apps/{name}/replay: the app's dead
// deliveries are queued again, and the browser goes back to the app's
// page, which says how many.
func (c *Console) replayApp(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	n, err := c.Reads.ReplayDeliveries(r.Context(), name, url.Values{})
	if err != nil {
		c.failure(w, r, err)
		return
	}
	c.Log.Info("dead deliveries replayed from the console", "app", name, "deliveries", n)
	http.Redirect(w, r, appPath(name)+"?replayed="+strconv.Itoa(n), http.StatusSeeOther)
}

// testApp answers POST /ui/apps/{name}/test: a signed ping message goes
// to the app now, and the app's page shows what it replied. The reply is
// shown once, in this answer, as it is kept nowhere; the page's live
// parts go on refreshing from the app's page.
func (c *Console) testApp(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	reply, err := c.Reads.TestApp(r.Context(), name)
	var notPushed server.ErrNotPushed
	if errors.As(err, &notPushed) {
		c.render(w, r, http.StatusConflict, "problem", page{Title: "Not sent", Nav: "apps", Data: err.Error()})
		return
	}
	if err != nil {
		c.failure(w, r, err)
		return
	}
	c.Log.Info("test message sent from the console", "app", name, "status", reply.Status)
	d, ok := c.appPage(w, r)
	if !ok {
		return
	}
	d.Test = &reply
	c.render(w, r, http.StatusOK, "app", page{Title: "App " + d.App.Name, Nav: "apps", LiveFrom: appPath(name), Data: d})
}

// appPath is the path of an app's page.
func appPath(name string) string { return "/ui/apps/" + url.PathEscape(name) }
