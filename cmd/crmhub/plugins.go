package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/core/server"
)

// staleRecord is how old the hub's record of its plugins may grow before
// the list warns that the hub may not be running (it records at least
// every 30s).
const staleRecord = 2 * time.Minute

// pluginsListCmd lists every configured CRM's plugin and its state, as the
// running hub last recorded them in the store.
func pluginsListCmd(ctx context.Context, c *cli, args []string) error {
	if _, err := c.parseArgs("plugins list", args, nil); err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	states, err := st.PluginStates(ctx)
	if err != nil {
		return err
	}
	list := server.List[server.Plugin]{Items: make([]server.Plugin, len(states))}
	var reporter string
	var reported time.Time
	for i, s := range states {
		list.Items[i] = server.NewPlugin(s, true)
		if s.ReportedAt.After(reported) {
			reporter, reported = s.Reporter, s.ReportedAt
		}
	}
	if c.json {
		return c.printJSON(list)
	}
	if len(states) == 0 {
		fmt.Fprintln(c.stdout, "no plugin states recorded: the hub has not run with this store yet")
		return nil
	}
	tw := c.table("CRM", "ENABLED", "STATE", "VERSION", "PID", "RESTARTS", "SINCE", "LAST ERROR")
	for _, p := range list.Items {
		pid := "-"
		if p.PID > 0 {
			pid = strconv.Itoa(p.PID)
		}
		row(tw, p.CRM, yesNo(p.Enabled), p.State, orDash(p.Version), pid, strconv.Itoa(p.Restarts), when(p.Since), orDash(short(p.LastError, 80)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\nas recorded by the hub %s at %s\n", reporter, when(reported))
	if age := time.Since(reported); age > staleRecord {
		fmt.Fprintf(c.stdout, "note: that was %s ago; is the hub running?\n", age.Round(time.Second))
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
