package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// publish writes the event's user event — user.created, or user.updated
// when an existing user changed — to the change feed and queues it for
// every app that wants it, in the event's transaction: the user event
// exists exactly when the change does. An event that changed nothing
// publishes nothing.
func (r *run) publish(ctx context.Context, tx *store.Tx, userID int64, created bool) error {
	if !created && r.changes.Empty() {
		return nil
	}
	typ := message.UserUpdated
	if created {
		typ = message.UserCreated
	}
	u, seq, err := tx.NextChange(ctx, userID)
	if err != nil {
		return err
	}
	details, err := tx.DetailsOf(ctx, []int64{userID})
	if err != nil {
		return err
	}
	data, err := json.Marshal(message.Data{
		User:     message.NewUser(*u, details[userID]),
		Changes:  r.changes,
		Cause:    message.Cause{EventID: r.eventIDText(), CRM: r.ev.CRM, ContactID: r.ev.ContactID, Action: r.ev.Action},
		Sequence: seq,
	})
	if err != nil {
		return fmt.Errorf("encode %s of user %d: %w", typ, userID, err)
	}
	c := &store.Change{UserID: userID, Type: typ, Sequence: seq, Data: string(data), CreatedAt: time.Now().UTC()}
	return tx.AddChange(ctx, c, r.cfg.appsWanting(typ))
}

func (r *run) eventIDText() string {
	if r.ev.ID == 0 {
		return ""
	}
	return strconv.FormatInt(r.ev.ID, 10)
}

// appsWanting names the apps that are pushed events of type typ.
func (c *Config) appsWanting(typ string) []string {
	var names []string
	for _, app := range c.Apps {
		if len(app.Events) == 0 || slices.Contains(app.Events, typ) {
			names = append(names, app.Name)
		}
	}
	return names
}
