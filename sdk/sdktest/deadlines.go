package sdktest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// observer wraps the plugin's CRM on the plugin's side of the connection,
// so the kit can see the context a GetContact call runs with and when it
// returns. With hold set it does not call the plugin but waits for that
// context to end and returns its error: a stand-in for a CRM that hangs.
type observer struct {
	sdk.CRM
	hold     atomic.Bool
	entered  chan context.Context
	returned chan error
}

func (o *observer) GetContact(ctx context.Context, id string) (sdk.Contact, error) {
	select {
	case o.entered <- ctx:
	default: // only the first call of a session is watched
	}
	var (
		c   sdk.Contact
		err error
	)
	if o.hold.Load() {
		// A CRM that hangs until the hub gives up: this checks the SDK's
		// part alone, whatever the plugin would do with an ended context.
		<-ctx.Done()
		err = ctx.Err()
	} else {
		c, err = o.CRM.GetContact(ctx, id)
	}
	select {
	case o.returned <- err:
	default:
	}
	return c, err
}

func checkDeadlines(ctx context.Context, kit Kit) error {
	if err := checkDeadlineArrives(ctx, kit); err != nil {
		return err
	}
	for _, end := range []string{"deadline", "cancel"} {
		if err := checkGivesUp(ctx, kit, end, false); err != nil {
			return err
		}
		if kit.Stall == nil {
			continue
		}
		if err := checkGivesUp(ctx, kit, end, true); err != nil {
			return err
		}
	}
	return nil
}

// checkDeadlineArrives checks that the deadline the hub sets is the one the
// plugin's call runs with.
func checkDeadlineArrives(ctx context.Context, kit Kit) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	callCtx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	if _, err := s.GetContact(callCtx, kit.KnownContact.ID); err != nil {
		return fmt.Errorf("GetContact(%q) of the known contact failed: %w", kit.KnownContact.ID, err)
	}
	if _, ok := (<-s.seen.entered).Deadline(); !ok {
		return errors.New("the plugin's GetContact ran without the hub's deadline: the SDK lost it")
	}
	return nil
}

// checkGivesUp starts a GetContact that cannot finish, ends it by deadline
// or by cancel, and checks that the hub is told so and the plugin's call
// returns. With stall the plugin's CRM hangs (kit.Stall); without, the
// observer holds the call, which checks only the SDK's part.
func checkGivesUp(ctx context.Context, kit Kit, end string, stall bool) error {
	s, err := connect(ctx, kit, true)
	if err != nil {
		return err
	}
	defer s.stop()
	s.seen.hold.Store(!stall)
	if stall {
		release := kit.Stall()
		defer release()
	}
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	want := context.Canceled
	if end == "deadline" {
		callCtx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		want = context.DeadlineExceeded
	}
	patience := kit.patience()
	answer := make(chan error, 1)
	go func() {
		_, err := s.GetContact(callCtx, kit.KnownContact.ID)
		answer <- err
	}()
	select {
	case <-s.seen.entered:
	case <-time.After(patience):
		return fmt.Errorf("GetContact(%q) did not reach the plugin within %s", kit.KnownContact.ID, patience)
	}
	if end == "cancel" {
		cancel()
	}
	select {
	case err := <-answer:
		if !errors.Is(err, want) {
			return fmt.Errorf("after the hub's %s GetContact returned %v to the hub, want %v", end, err, want)
		}
	case <-time.After(patience):
		return fmt.Errorf("GetContact still had not returned to the hub %s after its %s", patience, end)
	}
	select {
	case <-s.seen.returned:
	case <-time.After(patience):
		if stall {
			return fmt.Errorf("while the CRM hangs, GetContact kept running %s after the hub's %s: pass the call's ctx to every request to the CRM", patience, end)
		}
		return fmt.Errorf("GetContact kept running %s after the hub's %s: the SDK did not pass it on", patience, end)
	}
	return nil
}
