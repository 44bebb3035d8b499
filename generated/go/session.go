// Copied verbatim from templates/go/session.go by rcsdk's generator.
// Do not edit: change templates/go/session.go and run `make generate`.

package rcsdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
	p.locked(ctx, &events, func() { p.replace(issued(token, p.now()), &events) })
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
	response, err := p.transport.send(ctx, &outgoing{method: "POST", url: p.server + tokenPath, client: true, form: fields})
	var token *TokenInfo
	if err == nil {
		token, err = tokenFrom(response, p.redactor)
	}
	if err != nil {
		events.add(p, EventRefreshError, err)
		var failure *Error
		if errors.As(err, &failure) && endsSession(failure) {
			if fenced, ok := p.store.(FencedTokenStore); ok {
				p.rejectedFenced(fenced, err, &events)
			} else {
				// The platform's verdict on this very refresh token (the store still holds it:
				// we hold its lock): the session is over.
				p.keep(nil, &events)
				events.add(p, EventAccessViolation, err)
			}
		}
		return nil, err
	}
	fresh := issued(token, p.now())
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

// endsSession: the platform's verdict on the refresh token itself, invalid_grant with no error
// code or one that names that token. invalid_client, a rate limit or a proxy's page are not.
func endsSession(failure *Error) bool {
	if failure.StatusCode == 0 || failure.OAuthError != "invalid_grant" {
		return false
	}
	if len(failure.ErrorCodes) == 0 {
		return true
	}
	for _, code := range failure.ErrorCodes {
		if refreshRejectedCodes[code] {
			return true
		}
	}
	return false
}

func (p *Platform) revoke(ctx context.Context, path string, form []field, success, failure Event) error {
	var err error
	if len(form) > 0 {
		if form, err = p.clientForm(form); err == nil {
			_, err = p.transport.send(ctx, &outgoing{method: "POST", url: p.server + path, client: true, form: form})
		}
	}
	var events pending
	p.locked(ctx, &events, func() { p.replace(nil, &events) })
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
// error triggers one refresh and one retry of the call, never more.
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
	response, err := p.transport.send(ctx, out)
	var failure *Error
	if err == nil || !errors.As(err, &failure) || !isTokenFailure(failure) {
		return response, err
	}
	var fresh *authState
	if p.autoRefresh {
		if fresh, err = p.rotate(ctx, seen, true, p.refreshForm); err != nil {
			return nil, err
		}
	} else {
		var events pending
		p.locked(ctx, &events, func() { fresh, _ = p.reload(&events) })
		events.emit()
		if fresh == nil || p.generationNow() == seen {
			return nil, failure
		}
	}
	retry := *out
	retry.bearer = fresh.authorization
	return p.transport.send(ctx, &retry)
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

// ledger is a platform's bookkeeping of its tokens: the ones in use, and what the store holds.
//
// Tokens the platform issued are used at once and then written to the store. A write the store
// refuses leaves them in use, remembered as unsaved together with the refresh token the store
// held at the time; they are written at the next chance, unless the store has newer tokens by
// then (another process rotated them meanwhile: theirs win). Callers hold the store's lock
// around every method that writes; mu guards the fields for the calls that only read them.
type ledger struct {
	mu          sync.Mutex
	state       *authState
	unsaved     bool
	unsavedOver string // the refresh token the store held when it refused ours
	foreign     []any  // whose session (origin, app key) the store held at the last read, when not ours
	// generation counts the changes of the tokens in use (set with state; the same tokens
	// read back from the store keep theirs).
	generation uint64
	// stored is what a FencedTokenStore held when last read or written: its generation (""
	// nothing; AnyGeneration: unknown, a login or logout replaces whatever it holds). With
	// such a store, unsavedOver is the generation the unsaved tokens replace.
	stored string
}

// use makes state the tokens in use (mu held), a new generation of them.
func (l *ledger) use(state *authState) {
	if state != l.state {
		l.state = state
		l.generation++
	}
}

// adopt uses the tokens read from the store (mu held): the same tokens read back keep their
// generation.
func (l *ledger) adopt(state *authState) {
	if state == nil || l.state == nil || !sameTokens(state, l.state) {
		l.use(state)
	}
}

// sameTokens says whether a and b are the same tokens with the same expiry times (compared as
// the JSON that is stored: a number read back may have another Go type).
func sameTokens(a, b *authState) bool {
	left, err := json.Marshal(a.toJSON())
	if err != nil {
		return false
	}
	right, err := json.Marshal(b.toJSON())
	return err == nil && bytes.Equal(left, right)
}

// generationNow is the ledger's generation.
func (l *ledger) generationNow() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.generation
}

// --- the session's binding ----------------------------------------------------------------------
//
// What is written is bound to the platform's origin and app key (the auth data's origin and
// app_key fields). A store holding another's session is, to this platform, a store holding no
// session that refuses writes: its tokens are never used, and it is never written over or
// emptied. A session saved without a binding (by an rcsdk before it) is used, and written back
// bound at once.

// other is whose session data holds (origin, app key) when it is another's; nil when it is
// ours, unbound, or there is none.
func (p *Platform) other(data map[string]any) []any {
	origin, hasOrigin := data[authDataOrigin]
	appKey, hasAppKey := data[authDataAppKey]
	if !hasOrigin && !hasAppKey {
		return nil
	}
	if origin == p.origin.key() && appKey == p.appKey {
		return nil
	}
	return []any{origin, appKey}
}

// unbound says whether data is a session saved without a binding.
func unbound(data map[string]any) bool {
	_, hasOrigin := data[authDataOrigin]
	_, hasAppKey := data[authDataAppKey]
	return len(data) > 0 && !hasOrigin && !hasAppKey
}

// bound is state's auth data with this platform's binding.
func (p *Platform) bound(state *authState) map[string]any {
	data := state.toJSON()
	data[authDataOrigin], data[authDataAppKey] = p.origin.key(), p.appKey
	return data
}

// refusal is the error of a call that needs a session when where holds another's.
func (p *Platform) refusal(where string, theirs []any) *Error {
	return newError(ErrSessionOrigin, fmt.Sprintf(
		"%s holds the session of %s (app key %s), not of this platform (%s, app key %s): its tokens are "+
			"not sent here and it is left as it is; log in to start a session for this platform",
		where, plainValue(theirs[0]), plainValue(theirs[1]), p.origin.key(), plainValue(p.appKey)), nil)
}

// noSession is the error of a call that needs a session and finds none: another's, or none.
func (p *Platform) noSession() *Error {
	p.mu.Lock()
	foreign := p.foreign
	p.mu.Unlock()
	if foreign != nil {
		return p.refusal(storeName(p.store), foreign)
	}
	return newError(ErrLoginRequired, "no tokens: log in first", nil)
}

// storeName is how a message names a store: its file where it has one, else its type.
func storeName(store TokenStore) string {
	if file, ok := store.(*FileTokenStore); ok {
		return "token store " + file.Path
	}
	return "token store " + strings.TrimPrefix(fmt.Sprintf("%T", store), "*")
}

// plainValue is a value read from a store, for a message: printable ASCII, cut short.
func plainValue(value any) string {
	text := []byte(fmt.Sprint(value))
	for i, c := range text {
		if c < ' ' || c > '~' {
			text[i] = '?'
		}
	}
	if len(text) > 80 {
		return string(text[:77]) + "..."
	}
	return string(text)
}

// replace notes whose session the store holds, then keeps state (callers hold the store's
// lock): a login, SetAuthData or a logout never writes over another's session.
func (p *Platform) replace(state *authState, events *pending) {
	data, err := p.store.Load()
	p.mu.Lock()
	if err == nil {
		p.foreign = p.other(data)
	}
	p.stored = AnyGeneration // a login or logout replaces whatever a fenced store holds
	p.mu.Unlock()
	p.keep(state, events)
}

// GetAuthData returns the tokens and their expiry times, in the format every language's client
// uses (an empty map when logged out); SetAuthData takes it back exactly.
func (p *Platform) GetAuthData() map[string]any {
	var events pending
	state, _ := p.current(&events)
	events.emit()
	if state == nil {
		return map[string]any{}
	}
	return p.bound(state)
}

// SetAuthData restores what GetAuthData returned (nil or an empty map log out locally). Data
// of an unknown version or shape is an ErrAuthData error.
func (p *Platform) SetAuthData(data map[string]any) error {
	if theirs := p.other(data); theirs != nil {
		return p.refusal("the auth data", theirs)
	}
	state, err := stateFromJSON(data)
	if err != nil {
		return err
	}
	var events pending
	p.locked(context.Background(), &events, func() { p.replace(state, &events) })
	events.emit()
	return nil
}

// IsAuthorized says whether calls can be authorized without a new login (valid or refreshable
// tokens). It sends nothing.
func (p *Platform) IsAuthorized() bool {
	var events pending
	state, _ := p.current(&events)
	events.emit()
	return state != nil && state.usable(p.now())
}

func (p *Platform) current(events *pending) (*authState, error) {
	p.mu.Lock()
	state := p.state
	p.mu.Unlock()
	if state != nil {
		return state, nil
	}
	return p.reload(events)
}

// reload reads the store: another process may have written newer tokens.
func (p *Platform) reload(events *pending) (*authState, error) {
	if fenced, ok := p.store.(FencedTokenStore); ok {
		return p.reloadFenced(fenced, events)
	}
	data, err := p.store.Load()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.state == nil || !errors.Is(err, ErrTokenStore) {
			return nil, err
		}
		// The store cannot be read at all (a directory in its place, a permission): go on
		// with the tokens in memory, to be written once it can be used again.
		if !p.unsaved {
			p.unsaved, p.unsavedOver = true, p.state.token.RefreshToken
			p.warn("rcsdk: tokens kept in memory, the store cannot be read: " + p.redactor.Text(err.Error()))
			events.add(p, EventStoreError, err)
		}
		return p.state, nil
	}
	p.foreign = p.other(data)
	taken := unbound(data)
	if p.foreign != nil {
		data = nil // another's session: to this platform, no session
	}
	state, err := stateFromJSON(data)
	unusable := false
	if err != nil {
		if !p.unsaved {
			return nil, err
		}
		state, unusable = nil, true // content nobody can use: ours replace it
	}
	if p.unsaved {
		// Tokens the store refused: write them now, unless the store has newer ones by now (a
		// login, or the same rotation).
		if unusable || state == nil || state.token.RefreshToken == p.unsavedOver || (p.state != nil && p.state.issuedAfter(state)) {
			p.save(p.state, p.unsavedOver, events)
			return p.state, nil
		}
		p.unsaved = false
	}
	p.adopt(state)
	state = p.state
	if state != nil {
		p.redactor.AddTokens(state.token.AccessToken, state.token.RefreshToken)
		if taken {
			// Saved without a binding: used, and written back bound.
			p.unsaved, p.unsavedOver = true, state.token.RefreshToken
		}
	}
	return state, nil
}

// keep uses tokens and saves them (callers hold the store's lock). A failed save keeps them in
// use, to be written later; the first failure of a run of them is reported (EventStoreError).
func (p *Platform) keep(state *authState, events *pending) {
	p.mu.Lock()
	defer p.mu.Unlock()
	replaced := p.unsavedOver
	if _, ok := p.store.(FencedTokenStore); ok {
		replaced = p.stored // written only over the generation last read
	} else if !p.unsaved && p.state != nil {
		replaced = p.state.token.RefreshToken
	} else if !p.unsaved {
		replaced = ""
	}
	p.use(state)
	if state != nil {
		p.redactor.AddTokens(state.token.AccessToken, state.token.RefreshToken, state.token.IDToken)
	}
	p.save(state, replaced, events)
}

// save writes state to the store (p.mu held); replaced is what the store holds that state
// replaces (a fenced store: the generation it is written over).
func (p *Platform) save(state *authState, replaced string, events *pending) {
	var data map[string]any
	if state != nil {
		data = p.bound(state)
	}
	if p.foreign != nil {
		// The store holds another's session: never written over, never emptied.
		if state == nil {
			p.unsaved, p.unsavedOver = false, ""
			return
		}
		refusal := p.refusal(storeName(p.store), p.foreign)
		p.failed(newError(ErrTokenStore, "not writing over it: "+refusal.Message, refusal), replaced, events)
		return
	}
	if fenced, ok := p.store.(FencedTokenStore); ok {
		p.saveFenced(fenced, state, data, replaced, events)
		return
	}
	err := p.store.Save(data)
	if err != nil && !errors.Is(err, ErrTokenStore) {
		// A store of the application's own may fail any way: the tokens are kept.
		err = newError(ErrTokenStore, p.redactor.Text("could not write the token store: "+err.Error()), err)
	}
	if err != nil {
		p.failed(err, replaced, events)
		return
	}
	p.unsaved, p.unsavedOver = false, ""
}

// failed keeps the tokens in use to write later, and reports the first failure of a run of
// them (p.mu held).
func (p *Platform) failed(err error, replaced string, events *pending) {
	if p.unsaved {
		return // reported at the first failure of this run of them
	}
	p.unsaved, p.unsavedOver = true, replaced
	p.warn("rcsdk: tokens kept in memory, the store did not take them: " + p.redactor.Text(err.Error()))
	events.add(p, EventStoreError, err)
}

func (p *Platform) warn(message string) {
	p.log("warning", message)
}

// --- a store that numbers its writes (FencedTokenStore) -------------------------------------------

// reloadFenced is reload for a FencedTokenStore: its generation orders tokens, never a clock.
// Unsaved tokens are written only over the generation they replace (a newer one wins: a worker
// paused past its lease adopts it), and a key the store lost is written again from the tokens
// in memory, the first writer winning (a logout leaves a generation: it is not a lost key).
func (p *Platform) reloadFenced(store FencedTokenStore, events *pending) (*authState, error) {
	data, generation, err := store.LoadGeneration()
	p.mu.Lock()
	defer p.mu.Unlock()
	var state *authState
	taken := false
	if err == nil {
		p.foreign = p.other(data)
		taken = p.foreign == nil && unbound(data)
		if p.foreign != nil {
			data = nil // another's session: to this platform, no session
		}
		state, err = stateFromJSON(data)
	}
	switch {
	case err == nil:
	case p.unsaved && errors.Is(err, ErrAuthData):
		state, generation = nil, AnyGeneration // content nobody can use: ours replace it
	case p.state != nil && errors.Is(err, ErrTokenStore):
		// The store cannot be read (Redis down): go on with the tokens in memory, to be
		// written once it can be used again.
		if !p.unsaved {
			p.unsaved, p.unsavedOver = true, p.stored
			p.warn("rcsdk: tokens kept in memory, the store cannot be read: " + p.redactor.Text(err.Error()))
			events.add(p, EventStoreError, err)
		}
		return p.state, nil
	default:
		return nil, err
	}
	switch {
	case generation == "" && (p.unsaved || p.state != nil):
		// The key is gone, not logged out (Redis restarted empty, FLUSHALL, eviction): the
		// tokens in memory are written back; the first writer wins, the others adopt.
		p.save(p.state, "", events)
	case p.unsaved:
		over := p.unsavedOver
		if generation == AnyGeneration {
			over = AnyGeneration
		}
		p.save(p.state, over, events)
	default:
		p.adopt(state)
		p.stored = generation
		if p.state != nil {
			p.redactor.AddTokens(p.state.token.AccessToken, p.state.token.RefreshToken)
			if taken {
				// Saved without a binding: used, and written back bound.
				p.unsaved, p.unsavedOver = true, generation
			}
		}
	}
	return p.state, nil
}

// saveFenced writes data (state's) over generation expected (p.mu held). A store that holds
// another generation refuses it: the platform adopts what the store holds.
func (p *Platform) saveFenced(store FencedTokenStore, state *authState, data map[string]any, expected string, events *pending) {
	written, held, generation, err := store.SaveIf(data, expected)
	if err == nil && !written && generation == "" && state != nil {
		// The key was lost since it was read: ours are the tokens to write back.
		written, held, generation, err = store.SaveIf(data, "")
	}
	var theirs *authState
	if err == nil && !written {
		if p.foreign = p.other(held); p.foreign != nil {
			held = nil
		}
		theirs, err = stateFromJSON(held)
	}
	if err != nil {
		if !errors.Is(err, ErrTokenStore) {
			// A store of the application's own may fail any way: the tokens are kept.
			err = newError(ErrTokenStore, p.redactor.Text("could not write the token store: "+err.Error()), err)
		}
		p.stored = expected // what the unsaved tokens may replace
		p.failed(err, expected, events)
		return
	}
	p.unsaved, p.unsavedOver = false, ""
	p.stored = generation
	if !written {
		p.adopt(theirs)
		if theirs != nil {
			p.redactor.AddTokens(theirs.token.AccessToken, theirs.token.RefreshToken)
		}
	}
}

// rejectedFenced: the platform refused the refresh token of the tokens in use (under the
// store's lock). The session ends for every process sharing the store, unless the store holds
// other tokens by now (those are used) or lost the key (ours are dropped, the session is not
// ended: another worker may write newer tokens back).
func (p *Platform) rejectedFenced(store FencedTokenStore, verdict error, events *pending) {
	data, generation, err := store.LoadGeneration()
	if err != nil {
		return // the store cannot say whether it still holds that token: keep the session
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.foreign = p.other(data); p.foreign != nil {
		data = nil
	}
	stored, _ := stateFromJSON(data)
	p.unsaved, p.unsavedOver = false, ""
	switch {
	case generation == "":
		p.use(nil)
		p.stored = ""
	case stored != nil && generation != p.stored:
		p.adopt(stored)
		p.stored = generation
	default:
		p.use(nil)
		p.save(nil, generation, events)
		if p.state == nil { // not refused for newer tokens
			events.add(p, EventAccessViolation, verdict)
		}
	}
}
