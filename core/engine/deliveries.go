package engine

import (
	"context"
	"fmt"

	"github.com/crmhub/crmhub/core/store"
)

// queueDeliveries queues what a new user's creation must send once it is
// committed: the welcome mail when the webhook asked for one, and the
// generated password for the CRM's return_password_field. The plaintext
// password they need is sealed; core/outbox delivers and wipes it.
func (r *run) queueDeliveries(ctx context.Context, tx *store.Tx, u *store.User) error {
	password, generated := r.passwords.forNewUser(r.p.Password)
	returnField := r.crm.ReturnPasswordField
	if r.ev.SendNotification {
		queued, err := r.queue(ctx, tx, u, store.OutboxWelcomeMail, u.Email, password)
		if err != nil {
			return err
		}
		if queued {
			r.note(store.LevelInfo, "Welcome mail to %s queued.", u.Email)
		}
	}
	if generated && returnField != "" {
		queued, err := r.queue(ctx, tx, u, store.OutboxReturnPassword, returnField, password)
		if err != nil {
			return err
		}
		if queued {
			r.note(store.LevelInfo, "The generated password will be written to %s field %s.", r.ev.CRM, returnField)
		}
	}
	if generated && returnField == "" && !r.ev.SendNotification {
		r.note(store.LevelNotice, "A password was generated and is sent nowhere (no welcome mail asked for, no return_password_field): %s must reset it to log in.", u.Email)
	}
	return nil
}

func (r *run) queue(ctx context.Context, tx *store.Tx, u *store.User, kind, target, password string) (bool, error) {
	sealed, err := r.box.Seal([]byte(password))
	if err != nil {
		return false, fmt.Errorf("seal password for %s: %w", kind, err)
	}
	return tx.QueueOutbox(ctx, &store.OutboxItem{Kind: kind, UserID: u.ID, EventID: eventID(r.ev),
		CRM: r.ev.CRM, ContactID: r.ev.ContactID, Target: target, Secret: sealed})
}
