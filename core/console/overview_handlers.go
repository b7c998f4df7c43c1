package console

import (
	"net/http"
	"time"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// recentWindow is how far back the overview counts webhooks and outcomes.
const recentWindow = time.Hour

// deadShown is how many dead events the overview lists.
const deadShown = 10

type overviewData struct {
	Plugins  []server.Plugin
	Queue    []store.QueueCount
	Outcomes []store.OutcomeCount
	// Received is how many webhooks arrived in the last hour.
	Received int
	Dead     server.List[server.Event]
	// Apps are the configured apps with their deliveries by status: the
	// backlog (pending, sending) and the dead ones.
	Apps []server.App
}

// overview answers GET /ui/: the plugins and their states, the queue by
// status, the last hour's webhooks and outcomes, the dead events, and the
// apps' backlogs.
func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	queue, err := c.Reads.Queue(ctx)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	outcomes, err := c.Reads.OutcomesSince(ctx, time.Now().Add(-recentWindow))
	if err != nil {
		c.failure(w, r, err)
		return
	}
	dead, err := c.Reads.Events(ctx, store.EventFilter{Status: store.StatusDead}, store.Page{Limit: deadShown})
	if err != nil {
		c.failure(w, r, err)
		return
	}
	apps, err := c.Reads.AppList(ctx)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	d := overviewData{Plugins: c.Reads.PluginList().Items, Queue: queue, Outcomes: outcomes, Dead: dead, Apps: apps.Items}
	for _, o := range outcomes {
		d.Received += o.Count
	}
	c.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Nav: "overview", Data: d})
}

// pluginRow is a plugin's state and, once its plugin has given its Info,
// its webhook profile and settings schema.
type pluginRow struct {
	server.Plugin
	Detail *server.PluginDetail
}

// listPlugins answers GET /ui/plugins.
func (c *Console) listPlugins(w http.ResponseWriter, r *http.Request) {
	var rows []pluginRow
	for _, p := range c.Reads.PluginList().Items {
		row := pluginRow{Plugin: p}
		if d, ok := c.Reads.PluginDetail(p.CRM); ok {
			row.Detail = &d
		}
		rows = append(rows, row)
	}
	c.render(w, r, http.StatusOK, "plugins", page{Title: "Plugins", Nav: "plugins", Data: rows})
}
