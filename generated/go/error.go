// Copied verbatim from templates/go/error.go by rcsdk's generator.
// Do not edit: change templates/go/error.go and run `make generate`.

package rcsdk

import (
	"errors"
	"fmt"
	"time"
)

// Error is what every call of rcsdk returns when it fails. Use errors.Is with the kinds
// (ErrInvalidGrant, ErrRateLimit, ...) and errors.As to read the fields:
//
//	var failure *rcsdk.Error
//	if errors.As(err, &failure) && errors.Is(err, rcsdk.ErrRateLimit) {
//		time.Sleep(failure.RetryAfter)
//	}
type Error struct {
	// Kind is the most specific class of the spec's tree.
	Kind *Kind
	// Message says what happened, every secret blanked.
	Message string
	// StatusCode is the HTTP status, for errors the platform answered (0 otherwise).
	StatusCode int
	// OAuthError is the OAuth error (invalid_grant, ...), when the body had one.
	OAuthError string
	// ErrorDescription is the OAuth error text.
	ErrorDescription string
	// ErrorCodes are RingCentral's codes (OAU-140, ...), top-level first.
	ErrorCodes []string
	// RequestID is the platform's id of the request (RCRequestId), to quote to support.
	RequestID string
	// Body is the error body as decoded JSON, with every secret blanked.
	Body map[string]any
	// RetryAfter is how long the platform asked to wait (a 429, or a 5xx with Retry-After).
	RetryAfter time.Duration
	// HasRetryAfter says whether RetryAfter was given.
	HasRetryAfter bool

	also     *Kind     // the class of the status, when it is not one of Kind's bases
	cause    error     // what Unwrap returns
	response *Response // the answer, for an error status (the RoundTripper returns it)
}

// Error returns the message (redacted when the error was made).
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause: a context's error, a network error, a store's own error.
func (e *Error) Unwrap() error { return e.cause }

// Is matches the error's kind, its bases, and the class of its status with its bases.
func (e *Error) Is(target error) bool {
	kind, ok := target.(*Kind)
	if !ok {
		return false
	}
	for _, start := range []*Kind{e.Kind, e.also} {
		for k := start; k != nil; k = k.base {
			if k == kind {
				return true
			}
		}
	}
	return false
}

// ErrorCode is the first RingCentral error code, such as OAU-140 ("" when there is none).
func (e *Error) ErrorCode() string {
	if len(e.ErrorCodes) == 0 {
		return ""
	}
	return e.ErrorCodes[0]
}

// GoString keeps %#v as safe as %v: the fields hold nothing secret, the cause is left out.
func (e *Error) GoString() string {
	return fmt.Sprintf("&rcsdk.Error{Kind: %s, StatusCode: %d, Message: %q}", e.Kind, e.StatusCode, e.Message)
}

// newError makes an error of a kind with no status (its message already redacted).
// asError is err's *Error, if it has one. A function of its own, called only when there is an
// error: errors.As needs its target on the heap, and a call that succeeds allocates nothing.
func asError(err error) (*Error, bool) {
	var failure *Error
	ok := errors.As(err, &failure)
	return failure, ok
}

func newError(kind *Kind, message string, cause error) *Error {
	return &Error{Kind: kind, Message: message, cause: cause}
}

func usageError(format string, args ...any) *Error {
	return newError(ErrUsage, fmt.Sprintf(format, args...), nil)
}
