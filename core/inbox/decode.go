package inbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// decodeBatchSize bounds the webhooks handed to a plugin in one call.
const decodeBatchSize = 100

// decodeLoop hands stored webhooks to their plugins until Stop.
func (in *Inbox) decodeLoop(ctx context.Context) {
	ticker := time.NewTicker(in.options().Poll)
	defer ticker.Stop()
	for {
		for _, crm := range in.options().CRMs() {
			for in.mayDecode(crm) && in.decodeBatch(ctx, crm) == decodeBatchSize {
			}
		}
		select {
		case <-in.stopped:
			return
		case <-in.wakeDecode:
		case <-ticker.C:
		}
	}
}

// restartPause bounds how long decoding of a CRM pauses after its plugin
// died during a decode call, waiting to see the host restart it: longer
// than the host takes to notice a death, short enough that a broken
// connection the host never sees as a death does not stall the CRM.
const restartPause = 5 * time.Second

// mayDecode reports whether crm's webhooks may be handed to its plugin
// now: it is ready, and not just dead after a decode call. Right after a
// death the host may still report the plugin ready for a moment; a call
// then fails at once, and must not be charged to the webhook it carried.
func (in *Inbox) mayDecode(crm string) bool {
	if !in.plugins.Ready(crm) {
		delete(in.died, crm) // seen down: the next ready is a new process
		return false
	}
	if at, ok := in.died[crm]; ok && time.Since(at) < restartPause {
		return false
	}
	delete(in.died, crm)
	return true
}

// decoded is what became of one due row: a request the plugin read (its
// own row is item 0; items holds the rows of items 1.., new), or a request
// it could not, or an item whose contact was looked up.
type decoded struct {
	req   itemOut
	items []itemOut
}

// itemOut is what became of one row, with its activity lines (their
// EventID set when the row is saved, as new rows have no id yet).
type itemOut struct {
	ev      *store.Event
	final   bool // failed, dead, or done (ignored)
	wait    bool // still due: it waits for the plugin
	retried bool // charged an attempt: retried later, or dead
	lines   []*store.Activity
}

// all is the request's row and its new items' rows.
func (d decoded) all() []itemOut { return append([]itemOut{d.req}, d.items...) }

// decodeBatch decodes up to decodeBatchSize due webhooks of crm and
// reports how many it took (not counting those that wait for the plugin,
// so a plugin gone mid-batch ends the decode loop's round). Due items
// whose e-mail address is yet to be resolved to a contact are only looked
// up: the plugin read their request already.
func (in *Inbox) decodeBatch(ctx context.Context, crm string) int {
	evs, err := in.store.Undecoded(ctx, crm, time.Now().UTC(), decodeBatchSize)
	if err != nil {
		in.log.Error("read webhooks to decode", "crm", crm, "err", err)
		return 0
	}
	if len(evs) == 0 {
		in.forgetIsolation(crm) // every webhook of a failed batch is past
		return 0
	}
	var out []decoded
	var raw []*store.Event
	for _, ev := range evs {
		if ev.Decoded {
			out = append(out, decoded{req: in.findItem(ctx, ev, ev.ID, nil)})
		} else {
			raw = append(raw, ev)
		}
	}
	switch {
	case len(raw) == 0:
	case in.suspect(crm, raw):
		out = append(out, in.decodeAlone(ctx, crm, raw)...)
	default:
		out = append(out, in.decodeTogether(ctx, crm, raw)...)
	}
	if len(out) == 0 {
		return 0
	}
	if err := in.store.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
		return in.saveDecoded(ctx, tx, out)
	}); err != nil {
		in.log.Error("record decoded webhooks", "crm", crm, "err", err)
		return 0
	}
	finals, took, added := 0, 0, 0
	var rows []*store.Event
	for _, d := range out {
		if !d.req.wait {
			took++
		}
		added += len(d.items)
		for _, it := range d.all() {
			rows = append(rows, it.ev)
			switch {
			case it.wait:
				in.obs.WaitedForPlugin(crm)
			case it.retried:
				in.obs.Retried(crm)
			}
			if it.final {
				finals++
				if it.ev.Status != store.StatusDead {
					in.obs.Processed(crm, it.ev.Outcome)
				}
			}
		}
	}
	if added-finals != 0 {
		in.backlog.Add(int64(added - finals))
	}
	if finals > 0 {
		in.final.notify()
	}
	in.behind(rows)
	nudge(in.wakeWork)
	return took
}

// decodeTogether has the plugin read evs in one call. When that call
// fails as a whole while the plugin was there (an error, a wrong count,
// the plugin dying), one of the webhooks may be poison: the batch is
// decoded again one webhook per call, so that only the poison pays. A
// plugin that was not there costs nothing: everything waits for it.
func (in *Inbox) decodeTogether(ctx context.Context, crm string, evs []*store.Event) []decoded {
	hooks := make([]sdk.RawWebhook, len(evs))
	for i, ev := range evs {
		hooks[i] = RawWebhook(ev)
	}
	results, err := in.plugins.DecodeWebhooks(ctx, crm, hooks)
	if err == nil && len(results) != len(evs) {
		err = fmt.Errorf("the plugin answered %d results for %d webhooks", len(results), len(evs))
	}
	switch {
	case err == nil:
		out := make([]decoded, len(evs))
		for i, ev := range evs {
			out[i] = in.resolve(ctx, ev, results[i])
		}
		return out
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, host.ErrPluginDown) && !errors.Is(err, host.ErrPluginDied):
		in.log.Warn("plugin not available to decode webhooks; they wait", "crm", crm, "err", err)
		return nil
	}
	in.log.Warn("plugin failed a batch of webhooks; decoding them one by one", "crm", crm, "webhooks", len(evs), "err", err)
	in.isolate[crm] = max(in.isolate[crm], evs[len(evs)-1].ID)
	in.setQuiet(crm, true)
	if errors.Is(err, host.ErrPluginDied) {
		in.died[crm] = time.Now() // one by one once it is back
		return nil
	}
	return in.decodeAlone(ctx, crm, evs)
}

// suspect reports whether evs hold a webhook of a batch that failed as a
// whole: then they are decoded alone. It forgets the failed batch once
// every webhook of it is past (decoded, or waiting for its next attempt).
func (in *Inbox) suspect(crm string, evs []*store.Event) bool {
	if evs[0].ID <= in.isolate[crm] { // evs are in id order
		return true
	}
	in.forgetIsolation(crm)
	return false
}

// forgetIsolation ends the one-by-one decoding of crm's failed batch.
func (in *Inbox) forgetIsolation(crm string) {
	delete(in.isolate, crm)
	in.setQuiet(crm, false)
}

// setQuiet stops (or resumes) claiming crm's events. While a failed batch
// is taken apart, a lone decode call must be the only call in flight to
// the plugin: else a plugin that dies of an event being applied would be
// charged to the innocent webhook decoded alone (and the event too), and
// an event that crash-loops the plugin would charge one webhook after
// another.
func (in *Inbox) setQuiet(crm string, quiet bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if quiet {
		in.quiet[crm] = true
	} else {
		delete(in.quiet, crm)
	}
}

// quietNow reports whether no event of crm is being claimed or applied, so
// a lone decode call would be the only call in flight to its plugin.
func (in *Inbox) quietNow(crm string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.applying[crm] == 0
}

// decodeAlone has the plugin read evs one webhook per call, so a webhook
// the plugin cannot take fails alone. Such a webhook is charged an
// attempt and retried with backoff (dead / gave_up after the last), even
// when the plugin process died during its call: it was the only webhook in
// flight, so it is the likely cause, and a webhook that kills the plugin
// every time must end rather than hold up its CRM. A plugin that is merely
// restarting costs nothing: a webhook is only sent alone while the plugin
// is ready, a plugin found down before the call charges nobody, and a
// death during a batch call charges nobody either. So an unrelated restart
// can cost one attempt of one webhook at most, and only while a failed
// batch is being taken apart. After a death the pass stops: the rest
// waits for the restarted plugin (see mayDecode). No event of the CRM is
// applied meanwhile (see setQuiet), so a death during a lone call is this
// webhook's doing, not an event's.
func (in *Inbox) decodeAlone(ctx context.Context, crm string, evs []*store.Event) []decoded {
	var out []decoded
	for _, ev := range evs {
		if ctx.Err() != nil || !in.mayDecode(crm) || !in.quietNow(crm) {
			break // the events in flight finish first; see setQuiet
		}
		results, err := in.plugins.DecodeWebhooks(ctx, crm, []sdk.RawWebhook{RawWebhook(ev)})
		if err == nil && len(results) != 1 {
			err = fmt.Errorf("the plugin answered %d results for one webhook", len(results))
		}
		switch {
		case err == nil:
			out = append(out, in.resolve(ctx, ev, results[0]))
		case ctx.Err() != nil:
			return out
		case errors.Is(err, host.ErrPluginDied):
			// Not an ErrPluginDown any more: this webhook pays.
			in.died[crm] = time.Now()
			died := &sdk.Error{Kind: sdk.KindRetryable, Message: "the plugin died decoding this webhook alone: " + err.Error()}
			return append(out, decoded{req: in.decodeFailed(ev, died)})
		case errors.Is(err, host.ErrPluginDown):
			return out
		default:
			out = append(out, decoded{req: in.decodeFailed(ev, err)})
		}
	}
	return out
}

// resolve turns a plugin's reading of ev into its next state: its items
// decoded (ev itself being item 0), or ev failed, or (when the CRM could
// not be asked) retried later.
func (in *Inbox) resolve(ctx context.Context, ev *store.Event, r Decoding) decoded {
	if r.Err != nil {
		return decoded{req: in.decodeFailed(ev, r.Err)}
	}
	ev.Decoded, ev.ItemCount = true, len(r.Items)
	if len(r.Items) == 0 {
		ev.Status, ev.Outcome, ev.Message = store.StatusDone, store.OutcomeIgnored, "The request names no contact."
		return decoded{req: itemOut{ev: ev, final: true, lines: []*store.Activity{{CRM: ev.CRM, Message: "Decoded: " + ev.Message}}}}
	}
	action := ev.Action
	var d decoded
	for i, item := range r.Items {
		it := ev
		if i > 0 {
			it = &store.Event{CRM: ev.CRM, Role: ev.Role, SendNotification: ev.SendNotification,
				Decoded: true, RequestID: &ev.ID, ItemIndex: i, Status: store.StatusReceived,
				NextAttemptAt: time.Now().UTC(), ReceivedAt: ev.ReceivedAt}
		}
		it.Action = action
		if item.Action != sdk.ActionDefault && item.Action != sdk.ActionIgnore {
			it.Action = string(item.Action)
		}
		out := in.resolveItem(ctx, it, ev.ID, item)
		if i == 0 {
			d.req = out
		} else {
			d.items = append(d.items, out)
		}
	}
	return d
}

// resolveItem records item on its row it: ignored, or its contact known
// (looked up by e-mail when only that is given), with its notes.
func (in *Inbox) resolveItem(ctx context.Context, it *store.Event, requestID int64, item sdk.Item) itemOut {
	it.ContactID, it.Email = item.ContactID, item.Email
	if item.Contact != nil {
		data, err := json.Marshal(item.Contact)
		if err != nil {
			return in.decodeFailed(it, sdk.Invalid("the carried contact cannot be stored: %w", err))
		}
		it.Contact = string(data)
		it.ContactID = cmp.Or(it.ContactID, item.Contact.ID)
	}
	notes := make([]*store.Activity, len(item.Notes))
	for i, n := range item.Notes {
		notes[i] = &store.Activity{CRM: it.CRM, Level: store.LevelInfo, Message: n}
	}
	if item.Action == sdk.ActionIgnore {
		it.Status, it.Outcome = store.StatusDone, store.OutcomeIgnored
		it.Message = cmp.Or(item.Reason, "The plugin ignored this item.")
		line := &store.Activity{CRM: it.CRM, Message: "Ignored: " + strings.TrimSuffix(it.Message, ".") + "."}
		return itemOut{ev: it, final: true, lines: append(notes, line)}
	}
	return in.findItem(ctx, it, requestID, notes)
}

// findItem queues a decoded item whose contact is known, after looking
// its contact up by e-mail when only that is known. The lookup's failure
// is the item's, under the failure policy. The plugin is told the event
// id: the item's own, or its request's while the item has none yet.
func (in *Inbox) findItem(ctx context.Context, it *store.Event, eventID int64, lines []*store.Activity) itemOut {
	if it.ContactID == "" {
		if it.Email == "" {
			return in.withLines(in.decodeFailed(it, sdk.Invalid("the item names no contact")), lines)
		}
		id, err := in.findContact(sdk.WithEventID(ctx, strconv.FormatInt(eventID, 10)), it.CRM, it.Email)
		if err != nil {
			return in.withLines(in.findFailed(it, it.Email, err), lines)
		}
		it.ContactID = id
	}
	it.Status = store.StatusPending
	it.NextAttemptAt = time.Now().UTC()
	what := fmt.Sprintf("%s contact %s", it.CRM, it.ContactID)
	if it.Email != "" {
		what += " (" + it.Email + ")"
	}
	if it.RequestID != nil {
		what = fmt.Sprintf("item %d of request %d, %s", it.ItemIndex+1, *it.RequestID, what)
	} else if it.ItemCount > 1 {
		what = fmt.Sprintf("item 1 of %d, %s", it.ItemCount, what)
	}
	line := &store.Activity{CRM: it.CRM, Message: "Decoded: " + what + "."}
	return itemOut{ev: it, lines: append([]*store.Activity{line}, lines...)}
}

// withLines puts lines after out's own.
func (in *Inbox) withLines(out itemOut, lines []*store.Activity) itemOut {
	out.lines = append(out.lines, lines...)
	return out
}

// findContact resolves email through crm's plugin. The decode loop has
// one lookup in flight at a time, so a plugin that dies during it most
// likely died of it: the lookup fails as retryable, charging its webhook
// an attempt, so that a webhook whose lookup kills the plugin every time
// ends dead instead of holding up every webhook behind it. Decoding then
// pauses (see mayDecode), and the lookups after it in the batch wait for
// the restarted plugin at no cost.
func (in *Inbox) findContact(ctx context.Context, crm, email string) (string, error) {
	if !in.mayDecode(crm) {
		return "", fmt.Errorf("find contact: the plugin died earlier in this batch: %w", host.ErrPluginDown)
	}
	id, err := in.plugins.FindContact(ctx, crm, email)
	if errors.Is(err, host.ErrPluginDied) {
		in.died[crm] = time.Now()
		return "", &sdk.Error{Kind: sdk.KindRetryable, Message: "the plugin died looking up the contact of this webhook: " + err.Error()}
	}
	return id, err
}

// decodeFailed applies the failure policy to the decoder's error about ev.
func (in *Inbox) decodeFailed(ev *store.Event, err error) itemOut {
	return in.undecodable(ev, err, true, "the webhook could not be read: "+err.Error())
}

// findFailed applies the failure policy to a failed FindContact of the
// e-mail address ev carries.
func (in *Inbox) findFailed(ev *store.Event, email string, err error) itemOut {
	msg := "could not find the contact: " + err.Error()
	if sdk.IsNotFound(err) {
		msg = fmt.Sprintf("no %s contact has the e-mail address %s", ev.CRM, email)
	}
	return in.undecodable(ev, err, false, msg)
}

// undecodable records what the failure policy makes of err for a webhook
// that could not be decoded: it waits at no cost, fails with msg, is
// retried later, or is dead after its last attempt. A webhook that waits
// or is retried stays received: it is decoded again.
func (in *Inbox) undecodable(ev *store.Event, err error, fromDecoder bool, msg string) itemOut {
	v := judge(err, ev.Attempts+1, fromDecoder, in.options())
	if v.charges() {
		ev.Attempts++
	}
	line, level := v.record(ev, err, msg)
	return itemOut{ev: ev, final: store.Final(ev.Status), wait: v.wait, retried: v.charges(),
		lines: []*store.Activity{{CRM: ev.CRM, Level: level, Message: line}}}
}

// saveDecoded records what became of due rows, the rows of their new
// items, and their activity lines: a few statements for the whole batch.
// A row no longer received was saved by another hub first, items and all,
// and is left out.
func (in *Inbox) saveDecoded(ctx context.Context, tx *store.Tx, out []decoded) error {
	rows := make([]*store.Event, len(out))
	for i, d := range out {
		rows[i] = d.req.ev
	}
	saved, err := tx.SaveDecodedEvents(ctx, rows)
	if err != nil {
		return err
	}
	var done []itemOut
	var items []*store.Event
	for _, d := range out {
		if !slices.Contains(saved, d.req.ev) {
			continue
		}
		done = append(done, d.all()...)
		for _, it := range d.items {
			items = append(items, it.ev)
		}
	}
	if err := tx.InsertItems(ctx, items); err != nil {
		return err
	}
	var lines []*store.Activity
	for _, it := range done {
		for _, l := range it.lines {
			l.EventID = &it.ev.ID
			lines = append(lines, l)
		}
	}
	return tx.AddActivity(ctx, lines...)
}

// RawWebhook rebuilds the request a stored event holds, for its plugin.
func RawWebhook(ev *store.Event) sdk.RawWebhook {
	query, _ := url.ParseQuery(ev.Query) // written by the hub from a parsed query
	var header map[string][]string
	_ = json.Unmarshal([]byte(ev.Header), &header) // written by the hub as JSON
	return sdk.RawWebhook{EventID: strconv.FormatInt(ev.ID, 10), ReceivedAt: ev.ReceivedAt, Method: ev.Method, Query: query, Header: header, ContentType: ev.ContentType, Body: ev.Body}
}
