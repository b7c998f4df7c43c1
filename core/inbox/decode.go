package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

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
			for in.plugins.Ready(crm) && in.decodeBatch(ctx, crm) == decodeBatchSize {
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

// decoded is what became of one webhook.
type decoded struct {
	ev    *store.Event
	final bool // failed, or dead
	line  string
	level string
}

// decodeBatch decodes up to decodeBatchSize due webhooks of crm and
// reports how many it took.
func (in *Inbox) decodeBatch(ctx context.Context, crm string) int {
	evs, err := in.store.Undecoded(ctx, crm, time.Now().UTC(), decodeBatchSize)
	if err != nil {
		in.log.Error("read webhooks to decode", "crm", crm, "err", err)
		return 0
	}
	if len(evs) == 0 {
		return 0
	}
	hooks := make([]sdk.RawWebhook, len(evs))
	for i, ev := range evs {
		hooks[i] = RawWebhook(ev)
	}
	results, err := in.plugins.DecodeWebhooks(ctx, crm, hooks)
	if err != nil || len(results) != len(evs) {
		// The plugin went away; the webhooks wait for it, costing nothing.
		in.log.Warn("plugin could not decode webhooks; they wait", "crm", crm, "err", err)
		return 0
	}
	out := make([]decoded, len(evs))
	for i, ev := range evs {
		out[i] = in.resolve(ctx, ev, results[i])
	}
	if err := in.store.InTxNoSync(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, d := range out {
			if err := in.saveDecoded(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		in.log.Error("record decoded webhooks", "crm", crm, "err", err)
		return 0
	}
	finals := 0
	for _, d := range out {
		if d.final {
			finals++
			if d.ev.Status == store.StatusFailed {
				in.obs.Processed(crm, d.ev.Outcome)
			}
		}
	}
	if finals > 0 {
		in.backlog.Add(-int64(finals))
		in.final.notify()
	}
	nudge(in.wakeWork)
	return len(evs)
}

// resolve turns a plugin's reading of ev into its next state: decoded, or
// failed, or (when the CRM could not be asked) retried later.
func (in *Inbox) resolve(ctx context.Context, ev *store.Event, r Decoding) decoded {
	if r.Err != nil {
		ev.Status, ev.Outcome = store.StatusFailed, store.OutcomeInvalidPayload
		ev.Message = "The webhook could not be read: " + r.Err.Error()
		return decoded{ev: ev, final: true, line: ev.Message, level: store.LevelError}
	}
	ev.Email = r.Email
	ev.ContactID = r.ContactID
	if ev.ContactID == "" {
		id, err := in.plugins.FindContact(ctx, ev.CRM, r.Email)
		switch {
		case sdk.IsNotFound(err):
			ev.Status, ev.Outcome = store.StatusFailed, store.OutcomeNotFound
			ev.Message = fmt.Sprintf("No %s contact has the e-mail address %s.", ev.CRM, r.Email)
			return decoded{ev: ev, final: true, line: ev.Message, level: store.LevelWarning}
		case err != nil:
			return in.retryDecode(ev, err)
		}
		ev.ContactID = id
	}
	ev.Status = store.StatusPending
	line := fmt.Sprintf("Decoded: %s contact %s.", ev.CRM, ev.ContactID)
	if ev.Email != "" {
		line = fmt.Sprintf("Decoded: %s contact %s (%s).", ev.CRM, ev.ContactID, ev.Email)
	}
	return decoded{ev: ev, line: line}
}

// retryDecode schedules another decode of ev after a failed CRM lookup,
// or gives up after the last attempt.
func (in *Inbox) retryDecode(ev *store.Event, err error) decoded {
	o := in.options()
	ev.Attempts++
	if ev.Attempts >= o.MaxAttempts {
		ev.Status = store.StatusDead
		ev.Message = fmt.Sprintf("Gave up finding the contact after %d attempts: %v", ev.Attempts, err)
		return decoded{ev: ev, final: true, line: ev.Message, level: store.LevelError}
	}
	delay := retryDelay(ev.Attempts, o, err)
	ev.NextAttemptAt = time.Now().UTC().Add(delay)
	ev.Message = fmt.Sprintf("Could not find the contact: %v", err)
	return decoded{ev: ev, line: fmt.Sprintf("%s Retry scheduled in %s.", ev.Message, delay.Round(time.Second)), level: store.LevelWarning}
}

// saveDecoded records one decoded webhook and its activity line.
func (in *Inbox) saveDecoded(ctx context.Context, tx *store.Tx, d decoded) error {
	var err error
	switch d.ev.Status {
	case store.StatusPending:
		err = tx.MarkDecoded(ctx, d.ev.ID, d.ev.ContactID, d.ev.Email)
	case store.StatusReceived, store.StatusDead:
		err = tx.RescheduleUndecoded(ctx, d.ev)
	default:
		err = tx.FinishUndecoded(ctx, d.ev)
	}
	if err != nil {
		return err
	}
	return tx.AddActivity(ctx, &store.Activity{CRM: d.ev.CRM, EventID: &d.ev.ID, Level: d.level, Message: d.line})
}

// RawWebhook rebuilds the request a stored event holds, for its plugin.
func RawWebhook(ev *store.Event) sdk.RawWebhook {
	query, _ := url.ParseQuery(ev.Query) // written by the hub from a parsed query
	var header map[string][]string
	_ = json.Unmarshal([]byte(ev.Header), &header) // written by the hub as JSON
	return sdk.RawWebhook{Method: ev.Method, Query: query, Header: header, ContentType: ev.ContentType, Body: ev.Body}
}
