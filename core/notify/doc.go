// Package notify sends the welcome mail a new user gets when a webhook asks
// for it (send_notification=true).
//
// New builds a Mailer from the SMTP settings and the template
// (notify.welcome_template, or the built-in DefaultTemplate); a template
// that does not parse or names an unknown variable fails there, at config
// check time, not at the first new user. Mailer.Send renders one Welcome
// and delivers it. Queueing, retrying and sending once per user belong to
// core/outbox, which calls Send.
package notify
