// Copied verbatim from templates/go/options.go by rcsdk's generator.
// Do not edit: change templates/go/options.go and run `make generate`.

package rcsdk

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"
)

// Option sets up a platform (rcsdk.New's options).
type Option func(*settings)

// settings are a platform's options, checked by New.
type settings struct {
	store             TokenStore
	timeout           time.Duration
	refreshMargin     time.Duration
	autoRefresh       bool
	maxRetries        int
	maxRetryWait      time.Duration
	now               func() float64
	sleep             func(context.Context, time.Duration) error
	logger            func(level, message string)
	userAgent         string
	allowInsecureHTTP bool
	roundTripper      http.RoundTripper
	proxy             *string // WithProxy's URL; nil: by the environment
	maxResponseBytes  int64
}

func defaults() *settings {
	return &settings{
		timeout:       DefaultTimeout,
		refreshMargin: DefaultRefreshMargin,
		autoRefresh:   true,
		maxRetries:    DefaultMaxRetries,
		maxRetryWait:  DefaultMaxRetryWait,
		now:           func() float64 { return float64(time.Now().UnixNano()) / 1e9 },
		sleep:         sleep,

		maxResponseBytes: DefaultMaxResponseBytes,
	}
}

func (s *settings) check() error {
	if s.timeout <= 0 {
		return usageError("timeout must be positive, not %s", s.timeout)
	}
	if s.maxRetries < 0 || s.maxRetryWait < 0 || s.refreshMargin < 0 {
		return usageError("maxRetries, maxRetryWait and refreshMargin must not be negative")
	}
	if s.maxResponseBytes < 1 {
		return usageError("maxResponseBytes must be positive, not %d", s.maxResponseBytes)
	}
	if s.proxy != nil && s.roundTripper != nil {
		return usageError("WithProxy and WithRoundTripper cannot be combined: set the proxy on the RoundTripper")
	}
	if s.store == nil {
		s.store = NewMemoryTokenStore()
	}
	if !ascii(s.userAgent) {
		// One rule in every language: HTTP libraries send other characters differently.
		return usageError("userAgent contains a non-ASCII character")
	}
	return checkField("userAgent", s.userAgent)
}

// sleep waits, or returns the context's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WithStore keeps the tokens in store (a FileTokenStore shares them between processes).
func WithStore(store TokenStore) Option { return func(s *settings) { s.store = store } }

// WithTimeout bounds each request (connect, send and receive together).
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithRefreshMargin refreshes the access token this long before it expires.
func WithRefreshMargin(d time.Duration) Option { return func(s *settings) { s.refreshMargin = d } }

// WithAutoRefresh false leaves refreshing to the caller (Refresh).
func WithAutoRefresh(on bool) Option { return func(s *settings) { s.autoRefresh = on } }

// WithMaxRetries bounds the retries after a rate limit, an unavailable platform or a dropped
// connection.
func WithMaxRetries(n int) Option { return func(s *settings) { s.maxRetries = n } }

// WithMaxRetryWait bounds the total wait between one request's retries.
func WithMaxRetryWait(d time.Duration) Option { return func(s *settings) { s.maxRetryWait = d } }

// WithClock replaces the clock that token expiry is judged by (for tests).
func WithClock(now func() time.Time) Option {
	return func(s *settings) {
		s.now = func() float64 { return float64(now().UnixNano()) / 1e9 }
	}
}

// WithSleep replaces the wait between retries (for tests); it returns the context's error
// when the context ends first.
func WithSleep(wait func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) { s.sleep = wait }
}

// WithLogger receives (level, message), every secret blanked; levels: debug (each request
// and response), info (retries), warning, error. Without it, warnings and errors go to the
// standard logger (package log: stderr unless the application set it up otherwise) and the
// rest is dropped.
func WithLogger(logger func(level, message string)) Option {
	return func(s *settings) { s.logger = logger }
}

// WithUserAgent puts an app's name in front of rcsdk's User-Agent.
func WithUserAgent(agent string) Option { return func(s *settings) { s.userAgent = agent } }

// WithAllowInsecureHTTP allows plain http:// to a host that is not loopback.
func WithAllowInsecureHTTP(allow bool) Option {
	return func(s *settings) { s.allowInsecureHTTP = allow }
}

// WithRoundTripper sends through rt instead of a clone of http.DefaultTransport (redirects
// are still never followed).
func WithRoundTripper(rt http.RoundTripper) Option {
	return func(s *settings) { s.roundTripper = rt }
}

// WithProxy sends every request through an http:// proxy ("http://[user:password@]host[:port]";
// https requests through a CONNECT tunnel); "" sends nothing through a proxy, whatever the
// environment says. Without it, an https server is reached through https_proxy (HTTPS_PROXY)
// unless no_proxy (NO_PROXY) names its host, and a plain http server never through a proxy.
// The proxy is chosen once, by New; a value that is not an http:// URL is an ErrUsage error
// that does not show it.
func WithProxy(proxyURL string) Option { return func(s *settings) { s.proxy = &proxyURL } }

// WithMaxResponseBytes bounds every answer, before and after decompression (default
// DefaultMaxResponseBytes): a longer one is an ErrResponseTooLarge error, never retried.
func WithMaxResponseBytes(n int64) Option { return func(s *settings) { s.maxResponseBytes = n } }

func (s *settings) warn(format string, args ...any) {
	s.report("warning", fmt.Sprintf(format, args...))
}

// report is where a line goes: the WithLogger function, else (warnings and errors only) the
// standard logger, so that what a person must see (a long wait on a rate limit, production
// used by default) is seen without any logging set up.
func (s *settings) report(level, message string) {
	if s.logger != nil {
		s.logger(level, message)
	} else if level == "warning" || level == "error" {
		log.Print(message)
	}
}
