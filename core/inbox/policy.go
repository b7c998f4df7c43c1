package inbox

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// verdict is what the failure policy makes of a failed plugin call.
type verdict struct {
	// wait: not the event's fault (the plugin is down, not configured, or
	// the CRM refused its credentials). The event waits for the plugin and
	// the attempt does not count.
	wait bool
	// status is the final status (failed or dead) with its outcome; empty
	// when the event is retried after delay.
	status, outcome string
	delay           time.Duration
}

// judge is the one failure policy for every plugin call an event makes:
// decoding it, resolving its e-mail (FindContact), applying it (GetContact,
// UpdateContact). attempts counts the event's attempts, the failed one
// included. fromDecoder says the error is the decoder's verdict on the
// webhook, whose Invalid means the webhook itself is unusable; Invalid
// from any other call is the CRM refusing a request, a crm_error.
//
// A plugin that dies during a call (host.ErrPluginDied wraps
// host.ErrPluginDown) costs the event nothing here, like a plugin that was
// down: a crashed plugin never costs an attempt, since every event in
// flight dies with it and the hub cannot tell the culprit from the
// innocent. Decoding is the exception, and decides it before judge: a
// webhook decoded or resolved alone that kills the plugin is the culprit,
// and is charged (decodeAlone, findContact).
func judge(err error, attempts int, fromDecoder bool, o *Options) verdict {
	switch {
	case errors.Is(err, host.ErrPluginDown), sdk.IsUnauthenticated(err):
		return verdict{wait: true}
	case sdk.IsNotFound(err):
		return verdict{status: store.StatusFailed, outcome: store.OutcomeNotFound}
	case sdk.IsInvalid(err) && fromDecoder:
		return verdict{status: store.StatusFailed, outcome: store.OutcomeInvalidPayload}
	case sdk.IsTerminal(err):
		return verdict{status: store.StatusFailed, outcome: store.OutcomeCRMError}
	case attempts >= o.MaxAttempts:
		return verdict{status: store.StatusDead, outcome: store.OutcomeGaveUp}
	}
	return verdict{delay: retryDelay(attempts, o, err)}
}

// charges reports whether the failed attempt counts against the event's
// max_attempts: it is retried later, or dead after its last.
func (v verdict) charges() bool { return !v.wait && v.status != store.StatusFailed }

// record writes v onto ev, whose attempt failed with cause, described by
// msg: the message, and the final status and outcome or the time of the
// next attempt. ev.Attempts counts the failed attempt when v charges it.
// The status of an event that waits or is retried is the caller's, as
// decoding and applying keep them apart. It returns the activity line
// and its level.
func (v verdict) record(ev *store.Event, cause error, msg string) (line, level string) {
	msg = strings.TrimSuffix(msg, ".")
	switch {
	case v.wait:
		ev.Message = "Waiting for the " + ev.CRM + " plugin: " + cause.Error()
		return ev.Message + ".", store.LevelWarning
	case v.status == store.StatusDead:
		ev.Status, ev.Outcome, ev.Message = v.status, v.outcome, msg
		return fmt.Sprintf("Gave up after %d attempts: %s. Replay it once the cause is fixed.", ev.Attempts, msg), store.LevelError
	case v.status != "":
		ev.Status, ev.Outcome, ev.Message = v.status, v.outcome, msg
		if v.outcome == store.OutcomeNotFound {
			return "Failed: " + msg + ".", store.LevelWarning // the CRM's answer, no fault to fix
		}
		return "Failed: " + msg + ".", store.LevelError
	}
	ev.Message, ev.NextAttemptAt = msg, time.Now().UTC().Add(v.delay)
	return fmt.Sprintf("Attempt %d failed: %s. Retry scheduled in %s.", ev.Attempts, msg, v.delay.Round(time.Second)), store.LevelWarning
}
