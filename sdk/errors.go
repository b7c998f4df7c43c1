package sdk

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what the hub should do about an error.
type Kind int

const (
	// KindRetryable errors are retried with backoff. Errors of no known kind
	// are retryable.
	KindRetryable Kind = iota
	// KindNotFound: the CRM has no such contact. Terminal.
	KindNotFound
	// KindInvalid: the input (a webhook, settings) cannot be used. Terminal.
	KindInvalid
	// KindUnauthenticated: the CRM refused the plugin's credentials. The
	// CRM is marked not configured and the call retried later.
	KindUnauthenticated
	// KindUnsupported: the plugin does not offer this call.
	KindUnsupported
)

// String names the kind for messages, e.g. "not found".
func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindInvalid:
		return "invalid"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindUnsupported:
		return "unsupported"
	default:
		return "retryable"
	}
}

// Error is an error with a Kind. Build one with NotFound, Invalid, Retryable,
// Unauthenticated or Unsupported rather than by hand.
type Error struct {
	Kind Kind
	// Message says what happened, for an operator. When empty, Err's text
	// is the message.
	Message string
	// RetryAfter, when positive, is the earliest time to retry (Retryable).
	RetryAfter time.Duration
	// Err is the underlying error, if any. Its text crosses the wire as
	// part of the message; the error itself does not.
	Err error
}

// Error returns the message, followed by the underlying error if any.
func (e *Error) Error() string {
	switch {
	case e.Message == "" && e.Err != nil:
		return e.Err.Error()
	case e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying error, so errors.Is and errors.As see it.
func (e *Error) Unwrap() error { return e.Err }

// The builders below take a format as fmt.Errorf does, %w included, so an
// error can name its cause and still be matched with errors.Is:
//
//	return sdk.NotFound("contact %s: %w", id, err)

// NotFound reports that the CRM has no such contact (or other entity).
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Err: fmt.Errorf(format, args...)}
}

// Invalid reports input that cannot be used, with a reason an operator can act on.
func Invalid(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Err: fmt.Errorf(format, args...)}
}

// Unauthenticated reports that the CRM refused the plugin's credentials.
func Unauthenticated(format string, args ...any) error {
	return &Error{Kind: KindUnauthenticated, Err: fmt.Errorf(format, args...)}
}

// Unsupported reports a call the plugin does not offer.
func Unsupported(format string, args ...any) error {
	return &Error{Kind: KindUnsupported, Err: fmt.Errorf(format, args...)}
}

// Retryable wraps err as worth retrying; after, when positive, is the
// earliest time to retry (e.g. from a Retry-After header).
func Retryable(err error, after time.Duration) error {
	return &Error{Kind: KindRetryable, Err: err, RetryAfter: after}
}

// Retryablef is Retryable with a message built as fmt.Errorf does.
func Retryablef(after time.Duration, format string, args ...any) error {
	return &Error{Kind: KindRetryable, Err: fmt.Errorf(format, args...), RetryAfter: after}
}

// KindOf returns the Kind of err: the kind of the first *Error in its chain,
// or KindRetryable when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindRetryable
}

// IsNotFound reports whether err is a NotFound error.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == KindNotFound }

// IsInvalid reports whether err is an Invalid error.
func IsInvalid(err error) bool { return err != nil && KindOf(err) == KindInvalid }

// IsUnauthenticated reports whether err is an Unauthenticated error.
func IsUnauthenticated(err error) bool { return err != nil && KindOf(err) == KindUnauthenticated }

// IsTerminal reports whether retrying err cannot help (NotFound, Invalid,
// Unsupported).
func IsTerminal(err error) bool {
	switch KindOf(err) {
	case KindNotFound, KindInvalid, KindUnsupported:
		return err != nil
	}
	return false
}

// RetryAfter returns the retry delay err asks for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}
