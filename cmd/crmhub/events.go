package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"

	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// replayBatch is how many events one replay transaction re-queues.
const replayBatch = 500

// eventsListCmd lists webhook events, newest first, filtered like the
// admin API's GET /api/v1/events.
func eventsListCmd(ctx context.Context, c *cli, args []string) error {
	var (
		f     store.EventFilter
		pages pageFlags
	)
	_, err := c.parseArgs("events list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&f.Status, "status", "", "only events in this status: received, pending, processing, retrying, done, failed or dead")
		fs.StringVar(&f.CRM, "crm", "", "only events of this CRM")
		fs.StringVar(&f.ContactID, "contact-id", "", "only events of this contact")
		fs.Int64Var(&f.RequestID, "request-id", 0, "only the items of this request")
		pages.add(fs)
	})
	if err != nil {
		return err
	}
	if f.Status != "" && !slices.Contains(store.Statuses, f.Status) {
		return fmt.Errorf("--status %q is not one of received, pending, processing, retrying, done, failed, dead", f.Status)
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
	evs, next, err := st.ListEvents(ctx, f, page)
	if err != nil {
		return err
	}
	list := server.List[server.Event]{Items: make([]server.Event, len(evs)), NextCursor: formatCursor(next)}
	for i := range evs {
		list.Items[i] = server.NewEvent(&evs[i])
	}
	return printList(c, list, listing[server.Event]{
		command: "events list", noun: "events",
		header: []string{"ID", "REQUEST", "RECEIVED", "CRM", "ACTION", "CONTACT", "STATUS", "OUTCOME", "MESSAGE"},
		row: func(ev server.Event) []string {
			return []string{ev.ID, orDash(ev.RequestID), when(ev.ReceivedAt), ev.CRM, ev.Action, orDash(ev.ContactID), ev.Status,
				orDash(ev.Outcome), short(ev.Message, 60)}
		},
	})
}

// eventsShowCmd shows one event with its attempts and activity lines.
func eventsShowCmd(ctx context.Context, c *cli, args []string) error {
	args, err := c.parseArgs("events show", args, nil)
	if err != nil {
		return err
	}
	id, err := c.oneID(args, "event")
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	detail, err := eventDetail(ctx, st, id)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(detail)
	}
	w := c.stdout
	fmt.Fprintf(w, "Event %s: %s %s, %s", detail.ID, detail.CRM, detail.Action, detail.Status)
	if detail.Outcome != "" {
		fmt.Fprintf(w, " (%s)", detail.Outcome)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  contact:   %s %s\n", orDash(detail.ContactID), detail.Email)
	fmt.Fprintf(w, "  user:      %s\n", orDash(detail.UserID))
	fmt.Fprintf(w, "  message:   %s\n", orDash(detail.Message))
	if detail.CoalescedInto != "" {
		fmt.Fprintf(w, "  merged into event %s\n", detail.CoalescedInto)
	}
	if detail.RequestID != "" {
		fmt.Fprintf(w, "  item of request %s\n", detail.RequestID)
	}
	fmt.Fprintf(w, "  received:  %s\n", when(detail.ReceivedAt))
	if !detail.NextAttemptAt.IsZero() {
		fmt.Fprintf(w, "  next try:  %s\n", when(detail.NextAttemptAt))
	}
	fmt.Fprintf(w, "  finished:  %s\n", when(detail.FinishedAt))
	fmt.Fprintf(w, "  request:   %s ?%s %s\n", detail.Request.Method, detail.Request.Query, short(detail.Request.Body, 200))

	if len(detail.Items) > 0 {
		fmt.Fprintf(w, "\nItems (%d):\n", len(detail.Items))
		tw := c.table("  ID", "CONTACT", "ACTION", "STATUS", "OUTCOME", "MESSAGE")
		for _, it := range detail.Items {
			row(tw, "  "+it.ID, orDash(it.ContactID), it.Action, it.Status, orDash(it.Outcome), short(it.Message, 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nAttempts:")
	if len(detail.Attempts) == 0 {
		fmt.Fprintln(w, "  none")
	} else {
		tw := c.table("  #", "STARTED", "FINISHED", "OUTCOME", "ERROR")
		for _, a := range detail.Attempts {
			row(tw, fmt.Sprintf("  %d", a.Number), when(a.StartedAt), when(a.FinishedAt), orDash(a.Outcome), orDash(a.Error))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nActivity:")
	for _, l := range detail.Activity {
		fmt.Fprintf(w, "  %s  %-7s  %s\n", when(l.At), l.Level, l.Message)
	}
	return nil
}

func eventDetail(ctx context.Context, st *store.Store, id int64) (server.EventDetail, error) {
	ev, err := st.EventByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return server.EventDetail{}, fmt.Errorf("no event %d", id)
	}
	if err != nil {
		return server.EventDetail{}, err
	}
	if err := st.WithItems(ctx, ev); err != nil {
		return server.EventDetail{}, err
	}
	attempts, err := st.EventAttempts(ctx, id)
	if err != nil {
		return server.EventDetail{}, err
	}
	lines, err := st.EventActivity(ctx, id)
	if err != nil {
		return server.EventDetail{}, err
	}
	return server.NewEventDetail(ev, attempts, lines), nil
}

// eventsReplayCmd re-queues one failed or dead event, or every one the
// flags select, a batch at a time with progress on stderr. A running hub
// finds them on its next look at the queue.
func eventsReplayCmd(ctx context.Context, c *cli, args []string) error {
	var f store.ReplayFilter
	args, err := c.parseArgs("events replay", args, func(fs *flag.FlagSet) {
		fs.StringVar(&f.Status, "status", "", "only events in this status: failed or dead (default both)")
		fs.StringVar(&f.CRM, "crm", "", "only events of this CRM")
	})
	if err != nil {
		return err
	}
	if f.Status != "" && f.Status != store.StatusFailed && f.Status != store.StatusDead {
		return fmt.Errorf("--status %q: only failed and dead events are replayed", f.Status)
	}
	if len(args) > 1 {
		c.flags.Usage()
		return errUsage
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The inbox's Replay writes an activity line per event; it needs
	// neither plugins nor workers.
	replayer := inbox.New(st, nil, nil, inbox.Options{}, slog.New(slog.DiscardHandler))
	if len(args) == 1 {
		id, err := c.oneID(args, "event")
		if err != nil {
			return err
		}
		return replayOne(ctx, c, st, replayer, id)
	}

	progress := func(done, total int) {
		if !c.json {
			fmt.Fprintf(c.stderr, "replaying: %d of %d events queued again\n", done, total)
		}
	}
	n, err := st.ReplayInBatches(ctx, f, replayBatch, replayer.Replay, progress)
	if err != nil {
		return fmt.Errorf("replay stopped after %d events: %w", n, err)
	}
	if c.json {
		return c.printJSON(map[string]int{"replayed": n})
	}
	fmt.Fprintf(c.stdout, "%d events queued again\n", n)
	return nil
}

// replayOne re-queues one event, if it is failed or dead.
func replayOne(ctx context.Context, c *cli, st *store.Store, replayer *inbox.Inbox, id int64) error {
	ev, err := st.EventByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no event %d", id)
	}
	if err != nil {
		return err
	}
	replayed, err := replayer.Replay(ctx, store.ReplayFilter{IDs: []int64{id}})
	if err != nil {
		return err
	}
	if len(replayed) == 0 {
		return fmt.Errorf("event %d is %s: only failed and dead events are replayed", id, ev.Status)
	}
	detail, err := eventDetail(ctx, st, id)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(detail)
	}
	fmt.Fprintf(c.stdout, "event %d queued again (%s)\n", id, detail.Status)
	return nil
}
