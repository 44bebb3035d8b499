package rcsdk

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// transport is the wire: one request to the platform, with bounded retries, typed errors and
// redacted logs. It knows the server, the app's client credentials, the timeouts and the retry
// policy; it knows nothing of the token lifecycle (session.go) or of the spec's operations.
//
// Every attempt is bounded by the timeout, and every call by its context: the context's
// deadline is the call's total deadline, retries and their waits included. Redirects are never
// followed, and a refresh or code grant (client requests) is never replayed once it may have
// arrived.
type transport struct {
	origin       *origin
	redactor     *Redactor
	client       *http.Client
	basic        string   // "Basic base64(key:secret)", "" for a public app
	basicHeader  []string // the Authorization header of client requests, nil for a public app
	userAgent    []string // the User-Agent header
	timeout      time.Duration
	maxRetries   int
	maxRetryWait float64
	now          func() float64
	sleep        func(context.Context, time.Duration) error
	log          func(level, message string) // the WithLogger function: debug and info lines
	report       func(level, message string) // warnings: the WithLogger function or stderr
	onLongWait   func(*Error)                // each wait announced (EventRateLimitWait)
	proxy        *proxy                      // the proxy New chose (nil: direct)
	maxBytes     int64                       // no answer is read past this (WithMaxResponseBytes)
	inFlight     timeouts                    // the attempts under way, and their one timer
}

// field is one form or query field (kept in order, as Python's urlencode keeps it).
type field struct{ name, value string }

// outgoing is one request before it is sent.
type outgoing struct {
	method  string
	url     string
	client  bool     // authenticates the app (token and revoke requests)
	bearer  []string // the Authorization header of API calls, "Bearer <access token>"
	form    []field
	body    []byte
	json    bool
	headers map[string]string
}

func newTransport(appKey, appSecret string, o *origin, redactor *Redactor, s *settings, chosen *proxy) *transport {
	t := &transport{
		origin:       o,
		redactor:     redactor,
		timeout:      s.timeout,
		maxRetries:   s.maxRetries,
		maxRetryWait: s.maxRetryWait.Seconds(),
		now:          s.now,
		sleep:        s.sleep,
		log:          s.logger,
		report:       s.report,
		onLongWait:   func(*Error) {},
		proxy:        chosen,
		maxBytes:     s.maxResponseBytes,
	}
	t.inFlight.reuse = s.roundTripper == nil
	agent := "rcsdk-go/" + Version + " " + runtime.Version()
	if s.userAgent != "" {
		agent = s.userAgent + " " + agent
	}
	t.userAgent = []string{agent}
	if appSecret != "" {
		encoded := base64.StdEncoding.EncodeToString([]byte(appKey + ":" + appSecret))
		t.basic = "Basic " + encoded
		t.basicHeader = []string{t.basic}
		redactor.Add(appSecret, encoded)
	}
	base := s.roundTripper
	if base == nil {
		own := http.DefaultTransport.(*http.Transport).Clone()
		// The proxy New chose, for every request (never the environment's, read per request);
		// compressed answers are inflated by readBody, within the size limit.
		own.Proxy = nil
		if chosen != nil {
			own.Proxy = http.ProxyURL(chosen.url)
		}
		own.DisableCompression = true
		base = own
	}
	t.client = &http.Client{
		Transport: base,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return t
}

// The values of the headers every request sends, made once. A request's header map holds them
// as they are: net/http never changes a header's values in place (Set and Add replace the slice).
var (
	acceptJSON     = []string{"application/json"}
	acceptEncoding = []string{"gzip, deflate"}
	formContent    = []string{"application/x-www-form-urlencoded"}
	jsonContent    = []string{"application/json"}
)

func encodeForm(fields []field) string {
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, url.QueryEscape(f.name)+"="+url.QueryEscape(f.value))
	}
	return strings.Join(parts, "&")
}

// send sends one request, with bounded retries; it returns a 2xx response or an *Error.
func (t *transport) send(ctx context.Context, out *outgoing) (*Response, error) {
	var body []byte
	var contentType []string
	switch {
	case out.form != nil:
		body, contentType = []byte(encodeForm(out.form)), formContent
	case out.json:
		body, contentType = out.body, jsonContent
	}
	// A refresh or code grant is single-use: never replay it once it may have arrived.
	replayable := idempotentMethods[out.method] && !out.client
	waited := 0.0
	for attempt := 0; ; attempt++ {
		response, failure, maybeArrived := t.exchange(ctx, out, body, contentType)
		if failure == nil {
			if response.StatusCode < 300 {
				return response, nil
			}
			failure = statusError(response, t.redactor, t.now())
			failure.response = response
			maybeArrived = failure.Kind != ErrRateLimit && response.StatusCode != 503
		}
		if ctx.Err() != nil {
			return nil, failure
		}
		delay, retry := t.retryDelay(failure, attempt, maybeArrived, replayable)
		if !retry || attempt >= t.maxRetries || waited+delay > t.maxRetryWait {
			return nil, failure
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < seconds(delay) {
			return nil, failure // the wait would outlast the call's deadline
		}
		if failure.Kind == ErrRateLimit && delay > announceWait {
			// Where a person sees it: a warning (stderr unless a logger is set) and the event.
			group := "unnamed"
			if failure.response != nil && failure.response.Header.Get("X-Rate-Limit-Group") != "" {
				group = failure.response.Header.Get("X-Rate-Limit-Group")
			}
			t.report("warning", t.redactor.Text(fmt.Sprintf("rcsdk: rate limited (%s group) on %s %s; waiting %.0f s before retrying (pass WithMaxRetries(0) to fail fast with ErrRateLimit instead)", group, out.method, out.url, delay)))
			t.onLongWait(failure)
		} else {
			t.logf("info", "rcsdk: %s %s failed (%s); retry %d in %.2fs", out.method, t.redactor.Text(out.url), failure.Kind, attempt+1, delay)
		}
		if err := t.sleep(ctx, seconds(delay)); err != nil {
			return nil, failure
		}
		waited += delay
	}
}

// exchange is one HTTP exchange: the response, or the error and whether the request may have
// arrived.
func (t *transport) exchange(ctx context.Context, out *outgoing, body []byte, contentType []string) (*Response, *Error, bool) {
	attempt := ctx
	if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > t.timeout {
		// The attempt's own bound (a call's deadline that comes first bounds it already).
		bounded := t.inFlight.start(ctx, t.timeout)
		defer t.inFlight.done(bounded)
		attempt = bounded
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	request, err := http.NewRequestWithContext(attempt, out.method, out.url, reader)
	if err != nil {
		return nil, newError(ErrUsage, t.redactor.Text("cannot make the request: "+err.Error()), nil), false
	}
	// The header map is filled directly (canonical names, values made once); the caller's
	// headers go through Set, which canonicalizes their names.
	header := request.Header
	header["Accept"] = acceptJSON
	header["User-Agent"] = t.userAgent
	// Set here, so that no RoundTripper inflates an answer unbounded: readBody does, bounded.
	header["Accept-Encoding"] = acceptEncoding
	if contentType != nil {
		header["Content-Type"] = contentType
	}
	for key, value := range out.headers {
		header.Set(key, value)
	}
	if out.client && t.basicHeader != nil {
		header["Authorization"] = t.basicHeader
	}
	if out.bearer != nil {
		header["Authorization"] = out.bearer
	}
	var sent float64
	if t.log != nil {
		sent = t.now()
	}
	answer, err := t.client.Do(request)
	var content []byte
	if err == nil {
		var tooLarge *Error
		content, tooLarge, err = t.readBody(out.method, answer)
		_ = answer.Body.Close() // unread bytes are dropped with the connection
		if tooLarge != nil {
			return nil, tooLarge, true
		}
	}
	if err != nil {
		return nil, t.failure(ctx, attempt, out.url, err), !neverSent(err)
	}
	response := &Response{StatusCode: answer.StatusCode, Header: answer.Header, Body: content}
	if t.log != nil {
		t.logf("debug", "rcsdk: %s %s form=%s -> %d in %.3fs: %s", out.method, out.url, formForLog(out.form), response.StatusCode, t.now()-sent, bodyForLog(content))
	}
	return response, nil, true
}

// readBody reads an answer's whole body, gzip and deflate inflated here in bounded steps, or
// returns an ErrResponseTooLarge error as soon as it (or what it inflates to) passes the limit:
// a declared Content-Length over the limit is refused unread, and at most limit+1 bytes are
// ever held. An inflated answer loses its Content-Encoding and Content-Length headers, as
// net/http's own inflating does.
func (t *transport) readBody(method string, answer *http.Response) ([]byte, *Error, error) {
	limit := t.maxBytes
	tooLarge := func() *Error {
		failure := newError(ErrResponseTooLarge, fmt.Sprintf("the answer is longer than the WithMaxResponseBytes limit (%d bytes): not read further", limit), nil)
		failure.StatusCode = answer.StatusCode
		return failure
	}
	if method != http.MethodHead && answer.ContentLength > limit {
		return nil, tooLarge(), nil
	}
	var reader io.Reader = answer.Body
	size := answer.ContentLength // what the answer declares; not what it inflates to
	if method == http.MethodHead {
		size = 0 // no body: its Content-Length is the GET's
	}
	encoding := ""
	if values := answer.Header["Content-Encoding"]; len(values) > 0 {
		encoding = strings.ToLower(strings.TrimSpace(values[0]))
	}
	if method != http.MethodHead && (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
		size = -1
		buffered := bufio.NewReader(answer.Body)
		start, err := buffered.Peek(2)
		if len(start) == 0 && (err == io.EOF || err == nil) {
			return []byte{}, nil, nil // an empty body: nothing to inflate
		}
		switch {
		case encoding != "deflate":
			reader, err = gzip.NewReader(buffered)
		case len(start) == 2 && start[0]&0x0f == 8 && (int(start[0])<<8|int(start[1]))%31 == 0:
			reader, err = zlib.NewReader(buffered) // deflate as the RFC says: zlib-wrapped
		default:
			reader, err = flate.NewReader(buffered), nil // deflate as servers often send it: raw
		}
		if err != nil {
			return nil, nil, fmt.Errorf("the %s answer cannot be inflated: %w", encoding, err)
		}
		answer.Header = answer.Header.Clone()
		answer.Header.Del("Content-Encoding")
		answer.Header.Del("Content-Length")
	}
	read := limit
	if read < math.MaxInt64 {
		read++
	}
	content, err := readAtMost(reader, size, read)
	if int64(len(content)) > limit {
		return nil, tooLarge(), nil
	}
	if err != nil {
		return nil, nil, err
	}
	return content, nil, nil
}

// readAtMost reads r to its end, or until it holds most bytes: io.ReadAll of an
// io.LimitReader, with a buffer made as long as the declared size at once (size: the
// Content-Length, -1 when unknown; capped, so that a length an answer only claims costs little).
func readAtMost(r io.Reader, size, most int64) ([]byte, error) {
	capacity := int64(512)
	if size >= 0 {
		capacity = min(size, 1<<20) + 1 // +1: room to read the end of the body
	}
	content := make([]byte, 0, min(capacity, most))
	for int64(len(content)) < most {
		if len(content) == cap(content) {
			content = append(content, 0)[:len(content)] // let append grow it
		}
		window := content[len(content):cap(content)]
		if int64(len(window)) > most-int64(len(content)) {
			window = window[:most-int64(len(content))]
		}
		n, err := r.Read(window)
		content = content[:len(content)+n]
		if err == io.EOF {
			return content, nil
		}
		if err != nil {
			return content, err
		}
	}
	return content, nil
}

// timeouts are the attempts under way on a transport and the one timer that ends those whose
// timeout passes. (A context.WithTimeout per attempt arms a timer of its own, the first on its
// P of the scheduler, and each such timer wakes an idle thread: about 5% more CPU per call
// than a bare net/http call, whatever the timeout.) Every attempt of a transport has the same
// timeout, so deadlines come in the order attempts start: the queue is in deadline order, and
// the timer is set for its head when it fires, not for each attempt.
//
// An attempt within context.Background() whose timeout did not pass leaves its context
// uncancelled for the next one (spare), when the RoundTripper is rcsdk's own: net/http keeps
// no hold on a request's context once its answer is read, and such a context carries nothing
// of the call.
type timeouts struct {
	mu         sync.Mutex
	timer      *time.Timer
	armed      bool // the timer will fire (and set itself again while attempts are under way)
	head, tail *boundedAttempt
	reuse      bool      // the RoundTripper is rcsdk's own
	spare      sync.Pool // *boundedAttempt within context.Background(), never cancelled
}

// boundedAttempt is the context of one attempt: the call's context, cancelled with the cause
// context.DeadlineExceeded when the timeout passes. Its Deadline and Err are a
// context.WithTimeout's; net/http's own contexts below it hang on the embedded one.
type boundedAttempt struct {
	context.Context
	cancel     context.CancelCauseFunc
	deadline   time.Time
	prev, next *boundedAttempt // in the queue (guarded by timeouts.mu)
	queued     bool
	reusable   bool // within context.Background(), on rcsdk's own RoundTripper
}

// Deadline is the attempt's: a call's deadline that comes first has no bounded attempt.
func (a *boundedAttempt) Deadline() (time.Time, bool) { return a.deadline, true }

// Err is context.DeadlineExceeded once the timeout has passed, as a context.WithTimeout's is.
func (a *boundedAttempt) Err() error {
	err := a.Context.Err()
	if err == context.Canceled && context.Cause(a.Context) == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return err
}

// start is an attempt within ctx that ends when timeout passes; done must follow.
func (q *timeouts) start(ctx context.Context, timeout time.Duration) *boundedAttempt {
	reusable := q.reuse && ctx == context.Background()
	var a *boundedAttempt
	if reusable {
		a, _ = q.spare.Get().(*boundedAttempt)
	}
	if a == nil {
		inner, cancel := context.WithCancelCause(ctx)
		a = &boundedAttempt{Context: inner, cancel: cancel, reusable: reusable}
	}
	a.queued = true
	q.mu.Lock()
	defer q.mu.Unlock()
	a.deadline = time.Now().Add(timeout) // under the lock: the queue stays in deadline order
	a.prev = q.tail
	if q.tail != nil {
		q.tail.next = a
	} else {
		q.head = a
	}
	q.tail = a
	if !q.armed { // the queue was empty: a is its head
		q.armed = true
		if q.timer == nil {
			q.timer = time.AfterFunc(timeout, q.expire)
		} else {
			q.timer.Reset(timeout)
		}
	}
	return a
}

// done ends an attempt: its context is cancelled, as a context.WithTimeout's cancel does, or
// kept for the next attempt when it can be.
func (q *timeouts) done(a *boundedAttempt) {
	q.mu.Lock()
	expired := !a.queued // expire took it out, and cancels it
	if !expired {
		q.unlink(a)
	}
	q.mu.Unlock()
	if a.reusable && !expired {
		q.spare.Put(a)
		return
	}
	a.cancel(nil)
}

// expire ends the attempts whose deadline has come, and sets the timer for the next one.
func (q *timeouts) expire() {
	var expired []*boundedAttempt
	q.mu.Lock()
	now := time.Now()
	for q.head != nil && !q.head.deadline.After(now) {
		expired = append(expired, q.head)
		q.unlink(q.head)
	}
	if q.head != nil {
		q.timer.Reset(q.head.deadline.Sub(now))
	} else {
		q.armed = false
	}
	q.mu.Unlock()
	for _, a := range expired {
		a.cancel(context.DeadlineExceeded)
	}
}

// unlink takes a out of the queue (q.mu held).
func (q *timeouts) unlink(a *boundedAttempt) {
	if a.prev != nil {
		a.prev.next = a.next
	} else {
		q.head = a.next
	}
	if a.next != nil {
		a.next.prev = a.prev
	} else {
		q.tail = a.prev
	}
	a.prev, a.next, a.queued = nil, nil, false
}

// failure is the typed error of a failed exchange: a timeout (the attempt's or the call's
// deadline), a cancelled call, or a connection that failed.
func (t *transport) failure(ctx, attempt context.Context, target string, err error) *Error {
	via := ""
	if t.proxy != nil {
		via = " via proxy " + t.proxy.netloc
	}
	what := t.redactor.Text(fmt.Sprintf("%s%s: %v", target, via, err))
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return newError(ErrAPITimeout, "the call's deadline passed: "+what, ctx.Err())
	case ctx.Err() != nil:
		return newError(ErrAPIConnection, "the call was cancelled: "+what, ctx.Err())
	case errors.Is(attempt.Err(), context.DeadlineExceeded):
		return newError(ErrAPITimeout, fmt.Sprintf("timed out after %s: %s", t.timeout, what), context.DeadlineExceeded)
	case errors.Is(err, syscall.ECONNREFUSED):
		host := target
		if parsed, err := url.Parse(target); err == nil {
			host = parsed.Host
		}
		return newError(ErrAPIConnection, t.redactor.Text(fmt.Sprintf("cannot connect to %s%s: connection refused (is the platform running, and is the port right?)", host, via)), err)
	}
	return newError(ErrAPIConnection, what, err)
}

// neverSent says whether a failure happened before the request could leave (a refused
// connection, an unknown host).
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func (t *transport) retryDelay(failure *Error, attempt int, maybeArrived, replayable bool) (float64, bool) {
	if failure.Kind == ErrRateLimit {
		return failure.RetryAfter.Seconds(), true
	}
	if maybeArrived && !replayable {
		return 0, false
	}
	if failure.Kind == ErrInternalServer && retryStatuses[failure.StatusCode] {
		if failure.HasRetryAfter {
			return failure.RetryAfter.Seconds(), true
		}
		return backoff(attempt), true
	}
	if kindIs(failure.Kind, ErrAPIConnection) && !errors.Is(failure.cause, context.Canceled) {
		return backoff(attempt), true
	}
	return 0, false
}

func (t *transport) logf(level, format string, args ...any) {
	if t.log != nil {
		t.log(level, t.redactor.Text(fmt.Sprintf(format, args...)))
	}
}

func formForLog(form []field) string {
	shown := map[string]string{}
	for _, f := range form {
		if isSecretName(f.name) {
			shown[f.name] = Redacted
		} else {
			shown[f.name] = f.value
		}
	}
	text, _ := json.Marshal(shown)
	return string(text)
}

// bodyForLog is a response body for a debug log: JSON with secrets blanked, else its size.
func bodyForLog(content []byte) string {
	if len(content) == 0 {
		return "(empty)"
	}
	value, ok := decodeJSON(content)
	if !ok {
		return fmt.Sprintf("(%d bytes, not JSON)", len(content))
	}
	text, _ := json.Marshal((&Redactor{}).Value(value))
	if len(text) > 2000 {
		return string(text[:2000]) + "..."
	}
	return string(text)
}
