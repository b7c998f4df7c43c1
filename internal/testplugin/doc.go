// Package testplugin is a tiny CRM plugin for tests of the SDK and the
// plugin host, so they need neither KlickTipp nor a network. Its contacts
// live in memory (a Directory); its binary, cmd/testplugin, can also be
// told to misbehave, as real plugins sometimes do.
//
// Behaviour chosen by settings (Configure):
//   - api_key must be "test-key"; anything else is Invalid.
//   - fail_configure=N makes the first N Configure calls fail as retryable
//     (a CRM that cannot be reached).
//
// Behaviour chosen by the contact id a webhook carries (DecodeWebhook):
//   - PanicOnDecode panics (a decoder bug);
//   - CrashOnDecode ends the process with exit code 3 (a plugin that dies).
//
// A request may name several contacts, one item each: contact_id=1,2,3
// (query, form or JSON body). The query's action_for_<id>=ignore ignores
// one of them; action_for_<id>=add (or update, update_tags) gives one its
// own action.
//
// Drills: any id "synth-<n>" is a contact the account has (e-mail
// synth-<n>@example.com), so a drill can name thousands. With the setting
// call_log (a file), each GetContact takes get_delay and appends a line
// (process, contact, start, end) to it; ReadCalls reads the calls of every
// plugin process back, to check no two about one contact overlapped.
//
// GetContact logs one line with the call's event id (sdk.Log).
//
// Behaviour chosen by contact id (GetContact):
//   - "hang" never answers and ignores its context (a stuck plugin);
//   - "expire-session" answers Unauthenticated (credentials revoked);
//   - "rate-limited" answers Retryable with a 2s retry-after;
//   - "stats" answers a contact whose fields report the process id and
//     the number of Configure calls so far;
//   - "environment" answers a contact whose fields are the process's
//     environment variables (name → value), so a spec can see what the
//     host let through.
//
// Behaviour chosen by the environment of the binary, for failures before
// any RPC: CRMHUBTEST_PLUGIN_MODE=exit-at-start writes a line to stderr and
// exits 3; =wrong-protocol speaks another protocol version.
package testplugin
