package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// appsListCmd lists the configured apps with their deliveries by status,
// as the admin API's GET /api/v1/apps.
func appsListCmd(ctx context.Context, c *cli, args []string) error {
	if _, err := c.parseArgs("apps list", args, nil); err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := st.DeliveryCounts(ctx)
	if err != nil {
		return err
	}
	list := server.List[server.App]{Items: []server.App{}}
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		list.Items = append(list.Items, server.NewApp(name, cfg.Apps[name], counts[name]))
	}
	return printList(c, list, listing[server.App]{
		command: "apps list", noun: "apps (configure them under apps: in the config file)",
		header: []string{"NAME", "PUSHED", "URL", "EVENTS", "PENDING", "DELIVERED", "DEAD"},
		row: func(a server.App) []string {
			events := "all"
			if len(a.Events) > 0 {
				events = strings.Join(a.Events, ",")
			}
			return []string{a.Name, strconv.FormatBool(a.Pushed), orDash(a.URL), events,
				strconv.Itoa(a.Deliveries[store.DeliveryPending] + a.Deliveries[store.DeliverySending]),
				strconv.Itoa(a.Deliveries[store.DeliveryDelivered]), strconv.Itoa(a.Deliveries[store.DeliveryDead])}
		},
	})
}

// oneApp reads the single app name argument and checks it is configured.
func (c *cli) oneApp(args []string, cfg *config.Config) (string, error) {
	if len(args) != 1 {
		fmt.Fprintln(c.stderr, "give one app name")
		c.flags.Usage()
		return "", errUsage
	}
	if _, ok := cfg.Apps[args[0]]; !ok {
		return "", fmt.Errorf("no app %q under apps: in the config", args[0])
	}
	return args[0], nil
}

// appsDeliveriesCmd lists an app's deliveries, newest first, as the admin
// API's GET /api/v1/apps/{name}/deliveries.
func appsDeliveriesCmd(ctx context.Context, c *cli, args []string) error {
	var (
		status string
		pages  pageFlags
	)
	args, err := c.parseArgs("apps deliveries", args, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", "", "only deliveries in this status: pending, sending, delivered or dead")
		pages.add(fs)
	})
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	name, err := c.oneApp(args, cfg)
	if err != nil {
		return err
	}
	if status != "" && !slices.Contains(store.DeliveryStatuses, status) {
		return fmt.Errorf("--status %q is not one of %s", status, strings.Join(store.DeliveryStatuses, ", "))
	}
	page, err := pages.page()
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, next, err := st.ListDeliveries(ctx, store.DeliveryFilter{App: name, Status: status}, page)
	if err != nil {
		return err
	}
	list := server.List[server.Delivery]{Items: make([]server.Delivery, len(rows)), NextCursor: formatCursor(next)}
	for i, d := range rows {
		list.Items[i] = server.NewDelivery(d)
	}
	return printList(c, list, listing[server.Delivery]{
		command: "apps deliveries " + name, noun: "deliveries",
		header: []string{"ID", "CREATED", "MESSAGE", "USER", "STATUS", "ATTEMPTS", "HTTP", "ERROR"},
		row: func(d server.Delivery) []string {
			return []string{d.ID, when(d.CreatedAt), d.MessageID, d.UserID, d.Status, strconv.Itoa(d.Attempts),
				strconv.Itoa(d.ResponseStatus), orDash(short(d.LastError, 60))}
		},
	})
}

// appsReplayCmd sends an app's dead (or delivered) deliveries again from
// their first attempt; a running hub sends them at its next look.
func appsReplayCmd(ctx context.Context, c *cli, args []string) error {
	var status, since string
	args, err := c.parseArgs("apps replay", args, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", store.DeliveryDead, "replay deliveries in this status: dead or delivered")
		fs.StringVar(&since, "since", "", "only deliveries created since this RFC 3339 time or this long ago (e.g. 24h)")
	})
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	name, err := c.oneApp(args, cfg)
	if err != nil {
		return err
	}
	if status != store.DeliveryDead && status != store.DeliveryDelivered {
		return fmt.Errorf("--status %q: only dead and delivered deliveries are replayed", status)
	}
	from, err := server.ParseSince(since)
	if err != nil {
		return fmt.Errorf("--since %q: %w", since, err)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.ReplayDeliveries(ctx, name, status, from)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]int{"replayed": n})
	}
	fmt.Fprintf(c.stdout, "%d deliveries to %s queued again\n", n, name)
	return nil
}

// appsTestCmd sends an app a signed ping message, as the admin API's POST
// /api/v1/apps/{name}/test, and shows what it answered.
func appsTestCmd(ctx context.Context, c *cli, args []string) error {
	args, err := c.parseArgs("apps test", args, nil)
	if err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	name, err := c.oneApp(args, cfg)
	if err != nil {
		return err
	}
	app := cfg.Apps[name]
	if !app.Enabled || app.URL == "" {
		return fmt.Errorf("app %s is not enabled or has no url: nothing is pushed to it", name)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if app.Secret == "" {
		// The secret the hub generated at its first start with this app.
		if app.Secret, err = st.Setting(ctx, store.AppSecretSetting(name)); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("app %s has no signing secret yet: start the hub once (crmhub serve) to generate it", name)
		} else if err != nil {
			return err
		}
	}
	worker := apps.New(st, apps.Options{Apps: []apps.App{{Name: name, URL: app.URL, Secret: app.Secret}},
		Timeout: cfg.Delivery.Timeout}, nil)
	reply, err := worker.Test(ctx, name)
	if err != nil {
		return err
	}
	out := server.TestReply{App: name, Status: reply.Status, Body: reply.Body, Error: reply.Error, TookMS: reply.Took.Milliseconds()}
	if c.json {
		return c.printJSON(out)
	}
	switch {
	case reply.OK():
		fmt.Fprintf(c.stdout, "%s answered %d in %d ms: the app accepts signed messages\n", name, out.Status, out.TookMS)
	case reply.Status == 0:
		fmt.Fprintf(c.stdout, "%s did not answer: %s\n", name, out.Error)
	default:
		fmt.Fprintf(c.stdout, "%s answered %d in %d ms: %s\n", name, out.Status, out.TookMS, short(out.Body, 200))
	}
	return nil
}
