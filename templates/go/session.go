package rcsdk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Platform is a connection to one RingCentral platform for one app: logins, tokens that keep
// working, and authenticated calls. Safe for concurrent use by many goroutines. The operations
// of the spec are in platform.go; the token lifecycle is here, built for RingCentral's
// single-use refresh tokens:
//
//   - the access token is refreshed the refresh margin before it expires, and once more (with
//     one retry of the call) when a call gets a 401 token error;
//   - any number of goroutines, and processes sharing a FileTokenStore, that find the token due
//     cause one refresh; the others wait for the store's lock and use its result;
//   - a refresh that fails on the network, or that the platform refuses for any other reason
//     than an explicit invalid_grant on that very refresh token, keeps the tokens; an
//     invalid_grant ends the session and fires access_violation once;
//   - tokens the store could not save are kept and used (EventStoreError reports it; no call
//     fails for it), and written as soon as it accepts them, unless it has newer ones by then;
//   - when the store cannot even be locked (Redis down), a call whose access token is still
//     valid goes on with it; nothing is refreshed without the store;
//   - with a FencedTokenStore (Redis), the store's generation orders tokens: refreshed tokens
//     are written only over the generation they came from, and a key the store lost is written
//     again from the tokens in memory (the first writer wins), without ending the session.
type Platform struct {
	appKey        string
	server        string
	store         TokenStore
	origin        *origin
	redactor      *Redactor
	transport     *transport
	events        emitter
	now           func() float64
	refreshMargin float64
	autoRefresh   bool
	log           func(level, message string)
	ledger
}

// String names the app and the server (the platform's tokens stay out of %v and %s).
func (p *Platform) String() string {
	return "rcsdk.Platform(appKey=" + p.appKey + ", server=" + p.server + ")"
}

// GoString is String: %#v shows no token either.
func (p *Platform) GoString() string { return p.String() }

// Server is the platform's base URL.
func (p *Platform) Server() string { return p.server }

// AppKey is the app's client id.
func (p *Platform) AppKey() string { return p.appKey }

// Store is where the platform keeps its tokens.
func (p *Platform) Store() TokenStore { return p.store }

// Redactor blanks every secret this platform knows (for an app's own logs).
func (p *Platform) Redactor() *Redactor { return p.redactor }

// On calls listener with the payload of event; the function it returns removes the listener.
func (p *Platform) On(event Event, listener Listener) (remove func()) {
	return p.events.on(event, listener)
}

// pending are events to emit once the locks are given back (a listener may call the platform).
type pending []func()

func (e *pending) add(p *Platform, event Event, payload any) {
	*e = append(*e, func() { p.events.emit(event, payload) })
}

func (e pending) emit() {
	for _, fire := range e {
		fire()
	}
}

// --- logins -----------------------------------------------------------------------------------

func (p *Platform) login(ctx context.Context, form []field, success, failure Event) (*TokenInfo, error) {
	form, err := p.clientForm(form)
	if err != nil {
		return nil, err
	}
	asked := p.now() // their lifetime counts from here (issued)
	response, err := p.transport.send(ctx, &outgoing{method: "POST", url: p.server + tokenPath, client: true, form: form})
	var token *TokenInfo
	if err == nil {
		token, err = tokenFrom(response, p.redactor)
	}
	if err != nil {
		p.events.emit(failure, err)
		return nil, err
	}
	var events pending
	events.add(p, success, token)
	p.replaceLocked(ctx, issued(token, asked), &events)
	events.emit()
	return token, nil
}

// locked runs fn under the store's lock; when the lock cannot be had, fn runs anyway (the
// tokens are kept in memory) and the store's error is reported.
func (p *Platform) locked(ctx context.Context, events *pending, fn func()) {
	unlock, err := p.store.Lock(ctx)
	if err != nil {
		events.add(p, EventStoreError, err)
		fn()
		return
	}
	defer unlock()
	fn()
}

// --- the token lifecycle ----------------------------------------------------------------------

// rotate refreshes unless another goroutine or process already replaced the tokens the caller
// found due or rejected (seen: the ledger's generation when it read them; forceRefresh: refresh
// anyway), and returns the tokens in use. A replacement is recognised by the generation, never by
// comparing token strings: a server that hands out the same access token every time still
// gets one refresh per rotation.
//
// If the store cannot even be locked (Redis down, a lease nobody releases), a caller whose
// access token is still valid goes on with it (not one whose call the platform just rejected);
// otherwise the store's error is returned: nothing is refreshed without the store, so nothing
// that processes sharing it hold can be lost.
func (p *Platform) rotate(ctx context.Context, seen uint64, rejected bool, form func(*authState) []field) (*authState, error) {
	var events pending
	defer func() { events.emit() }()
	unlock, err := p.store.Lock(ctx)
	if err != nil {
		p.mu.Lock()
		state := p.state
		p.mu.Unlock()
		if seen != forceRefresh && !rejected && state != nil && !state.accessDue(p.now(), 0) && errors.Is(err, ErrTokenStore) {
			return state, nil
		}
		return nil, err
	}
	defer unlock()
	current, err := p.reload(&events)
	if err != nil {
		return nil, err
	}
	now := p.now()
	if current == nil {
		return nil, p.noSession()
	}
	if seen != forceRefresh && p.generationNow() != seen && !current.accessDue(now, p.refreshMargin) {
		return current, nil
	}
	if !current.canRefresh(now) {
		failure := newError(ErrLoginRequired, "the session has expired (no usable refresh token): log in again", nil)
		p.keep(nil, &events)
		events.add(p, EventRefreshError, failure)
		events.add(p, EventAccessViolation, failure)
		return nil, failure
	}
	fields, err := p.clientForm(form(current))
	if err != nil {
		return nil, err
	}
	asked := p.now() // the new tokens' lifetime counts from here
	response, err := p.transport.send(ctx, &outgoing{method: "POST", url: p.server + tokenPath, client: true, form: fields})
	var token *TokenInfo
	if err == nil {
		token, err = tokenFrom(response, p.redactor)
	}
	if err != nil {
		events.add(p, EventRefreshError, err)
		var failure *Error
		if errors.As(err, &failure) && endsSession(failure.StatusCode, failure.OAuthError, failure.ErrorCodes) {
			if fenced, ok := p.store.(FencedTokenStore); ok {
				p.rejectedFenced(fenced, err, &events)
			} else if afterRejection("same") == "end" {
				// The store was read under the lock we hold: it holds the rejected token.
				p.keep(nil, &events)
				events.add(p, EventAccessViolation, err)
			}
		}
		return nil, err
	}
	fresh := issued(token, asked)
	var stored pending
	p.keep(fresh, &stored)
	events.add(p, EventRefreshSuccess, token)
	events = append(events, stored...)
	// A fenced store that holds a newer generation refuses ours (our lease lapsed while the
	// platform answered): the ledger adopted the store's.
	p.mu.Lock()
	inUse := p.state
	p.mu.Unlock()
	if inUse == nil {
		inUse = fresh
	}
	return inUse, nil
}

// forceRefresh is rotate's seen that refreshes whatever the generation (none reaches it).
const forceRefresh = ^uint64(0)

func (p *Platform) revoke(ctx context.Context, path string, form []field, success, failure Event) error {
	var err error
	if len(form) > 0 {
		if form, err = p.clientForm(form); err == nil {
			_, err = p.transport.send(ctx, &outgoing{method: "POST", url: p.server + path, client: true, form: form})
		}
	}
	var events pending
	p.replaceLocked(ctx, nil, &events)
	events.emit()
	if err != nil {
		p.events.emit(failure, err)
		return err
	}
	p.events.emit(success, nil)
	return nil
}

// access returns tokens fit for a call, refreshed first when they are due, and the ledger's
// generation of them (seen: the generation of state).
func (p *Platform) access(ctx context.Context, state *authState, seen uint64, unsaved bool) (*authState, uint64, error) {
	if state == nil || unsaved {
		var events pending
		if unsaved {
			// Tokens the store refused earlier: write them now if it takes them.
			p.locked(ctx, &events, func() { _, _ = p.reload(&events) })
		}
		var err error
		seen = p.generationNow() // read before the state: never newer than it
		state, err = p.current(&events)
		p.mu.Lock()
		takenUnbound := !unsaved && p.unsaved
		p.mu.Unlock()
		if err == nil && takenUnbound {
			// A session saved without a binding: written back bound now.
			p.locked(ctx, &events, func() { _, _ = p.reload(&events) })
		}
		events.emit()
		if err != nil {
			return nil, 0, err
		}
		if state == nil {
			return nil, 0, p.noSession()
		}
	}
	if p.autoRefresh && state.accessDue(p.now(), p.refreshMargin) {
		fresh, err := p.rotate(ctx, seen, false, p.refreshForm)
		return fresh, p.generationNow(), err
	}
	return state, seen, nil
}

// --- authenticated calls ----------------------------------------------------------------------

// Call is one API request (Platform.Request).
type Call struct {
	Method string
	// Path is an API path (/restapi/v1.0/...) or a URL on the platform's own origin.
	Path  string
	Query url.Values
	// Body is sent as JSON when it is not nil.
	Body    any
	Headers map[string]string
}

// Request calls the API with the access token; an error status is an *Error. A 401 token
// error triggers one refresh and one retry of the call, and a second retry only with tokens
// another worker rotated in meanwhile.
func (p *Platform) Request(ctx context.Context, call Call) (*Response, error) {
	target, err := p.origin.url(call.Path, "path")
	if err != nil {
		return nil, err
	}
	if err := checkHeaders(call.Headers); err != nil {
		return nil, err
	}
	out := &outgoing{method: strings.ToUpper(call.Method), url: target, headers: call.Headers}
	if len(call.Query) > 0 {
		separator := "?"
		if strings.Contains(target, "?") {
			separator = "&"
		}
		out.url += separator + call.Query.Encode()
	}
	if call.Body != nil {
		if raw, ok := call.Body.(json.RawMessage); ok {
			out.body = raw
		} else if out.body, err = json.Marshal(call.Body); err != nil {
			return nil, usageError("the body is not JSON: %v", err)
		}
		out.json = true
	}
	return p.send(ctx, out)
}

func (p *Platform) send(ctx context.Context, out *outgoing) (*Response, error) {
	p.mu.Lock()
	state, seen, unsaved := p.state, p.generation, p.unsaved
	p.mu.Unlock()
	if state == nil || unsaved || p.autoRefresh && state.accessDue(p.now(), p.refreshMargin) {
		var err error
		if state, seen, err = p.access(ctx, state, seen, unsaved); err != nil {
			return nil, err
		}
	}
	out.bearer = state.authorization
	for sends := 1; ; sends++ {
		response, err := p.transport.send(ctx, out)
		if err == nil {
			return response, nil
		}
		failure, ok := asError(err) // errors.As only on a failure: its target escapes to the heap
		if !ok {
			return response, err
		}
		switch after401(sends, isTokenFailure(failure), p.autoRefresh) {
		case "refresh":
			if state, err = p.rotate(ctx, seen, true, p.refreshForm); err != nil {
				return nil, err
			}
		case "reload":
			// Another worker (or a central refresher) may have rotated the tokens.
			var fresh *authState
			var events pending
			p.locked(ctx, &events, func() { fresh, _ = p.reload(&events) })
			events.emit()
			if fresh == nil || p.generationNow() == seen {
				return nil, failure
			}
			state = fresh
		default:
			return response, err
		}
		seen = p.generationNow()
		retry := *out
		retry.bearer = state.authorization
		out = &retry
	}
}

// isTokenFailure: a 401 that a refresh can cure (a token error, or a bare 401 naming no other
// cause).
func isTokenFailure(failure *Error) bool {
	if kindIs(failure.Kind, ErrToken) {
		return true
	}
	if failure.Kind != ErrAuthentication || failure.OAuthError != "" {
		return false
	}
	for _, code := range failure.ErrorCodes {
		if !tokenErrorCodes[code] {
			return false
		}
	}
	return true
}

// Get calls GET path (an API path or a URL on the platform's origin) with an optional query.
func (p *Platform) Get(ctx context.Context, path string, query url.Values) (*Response, error) {
	return p.Request(ctx, Call{Method: http.MethodGet, Path: path, Query: query})
}

// Post calls POST path with body as JSON (nil: no body).
func (p *Platform) Post(ctx context.Context, path string, body any) (*Response, error) {
	return p.Request(ctx, Call{Method: http.MethodPost, Path: path, Body: body})
}

// Put calls PUT path with body as JSON.
func (p *Platform) Put(ctx context.Context, path string, body any) (*Response, error) {
	return p.Request(ctx, Call{Method: http.MethodPut, Path: path, Body: body})
}

// Patch calls PATCH path with body as JSON.
func (p *Platform) Patch(ctx context.Context, path string, body any) (*Response, error) {
	return p.Request(ctx, Call{Method: http.MethodPatch, Path: path, Body: body})
}

// Delete calls DELETE path.
func (p *Platform) Delete(ctx context.Context, path string) (*Response, error) {
	return p.Request(ctx, Call{Method: http.MethodDelete, Path: path})
}

// --- helpers ----------------------------------------------------------------------------------

// clientForm checks a form's values; public apps identify themselves in the body (confidential
// ones use Basic auth).
func (p *Platform) clientForm(form []field) ([]field, error) {
	for _, f := range form {
		if err := checkField(f.name, f.value); err != nil {
			return nil, err
		}
	}
	if p.transport.basic == "" {
		form = append(form, field{"client_id", p.appKey})
	}
	return form, nil
}
