package rcsdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

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
// replaceLocked uses state at once and writes it under the store's lock. When the lock cannot
// be had, nothing is written (another process may be refreshing): the tokens stay in use,
// unsaved, and are written at the next call that gets the lock unless the store holds newer ones
// by then, as in every language.
func (p *Platform) replaceLocked(ctx context.Context, state *authState, events *pending) {
	unlock, err := p.store.Lock(ctx)
	if err != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.stored = AnyGeneration // a login or logout replaces whatever a fenced store holds
		replaced := p.replacedNow()
		p.use(state)
		if state != nil {
			p.redactor.AddTokens(state.token.AccessToken, state.token.RefreshToken, state.token.IDToken)
		}
		p.failed(err, replaced, events)
		return
	}
	defer unlock()
	p.replace(state, events)
}

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
	p.replaceLocked(context.Background(), state, &events)
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
		if !errors.Is(err, ErrTokenStore) || afterRead(false, "unreadable", p.state != nil, p.unsaved) == "raise" {
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
	view := "unusable" // content nobody can use: ours replace it
	if err == nil {
		view = p.view(state)
	}
	switch afterRead(false, view, p.state != nil, p.unsaved) {
	case "raise":
		return nil, err
	case "write":
		// Tokens the store refused: written now, unless the store has newer ones by now (a
		// login, or the same rotation).
		p.save(p.state, p.unsavedOver, events)
		return p.state, nil
	}
	p.unsaved = false
	p.adopt(state)
	state = p.state
	if state != nil {
		p.redactor.AddTokens(state.token.AccessToken, state.token.RefreshToken, state.token.IDToken)
		if taken {
			// Saved without a binding: used, and written back bound.
			p.unsaved, p.unsavedOver = true, state.token.RefreshToken
		}
	}
	return state, nil
}

// keep uses tokens and saves them (callers hold the store's lock). A failed save keeps them in
// use, to be written later; the first failure of a run of them is reported (EventStoreError).
// view is what the store holds (state: this platform's tokens there), as afterRead reads it.
// Go's stores number no writes: a rotation is recognised by the refresh token, and only the
// issue times tell older from newer.
func (p *Platform) view(state *authState) string {
	switch {
	case p.foreign != nil:
		return "foreign"
	case state == nil:
		return "empty"
	case !p.unsaved:
		return "other"
	case state.token.RefreshToken == p.unsavedOver:
		return "replaced"
	case p.state != nil && p.state.issuedAfter(state):
		return "older"
	}
	return "other"
}

func (p *Platform) keep(state *authState, events *pending) {
	p.mu.Lock()
	defer p.mu.Unlock()
	replaced := p.replacedNow()
	p.use(state)
	if state != nil {
		p.redactor.AddTokens(state.token.AccessToken, state.token.RefreshToken, state.token.IDToken)
	}
	p.save(state, replaced, events)
}

// replacedNow is what the store holds that new tokens replace (p.mu held): a fenced store's
// generation last read; else the refresh token of the tokens in use, or, while they are unsaved,
// the one the store held when it refused them.
func (p *Platform) replacedNow() string {
	if _, ok := p.store.(FencedTokenStore); ok {
		return p.stored // written only over the generation last read
	}
	if p.unsaved {
		return p.unsavedOver
	}
	if p.state != nil {
		return p.state.token.RefreshToken
	}
	return ""
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
			p.redactor.AddTokens(p.state.token.AccessToken, p.state.token.RefreshToken, p.state.token.IDToken)
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
			p.redactor.AddTokens(theirs.token.AccessToken, theirs.token.RefreshToken, theirs.token.IDToken)
		}
	}
}

// rejectedFenced: the platform refused the refresh token of the tokens in use (under the
// store's lock). The session ends for every process sharing the store, unless the store holds
// other tokens by now (those are used) or lost the key (ours are dropped, the session is not
// ended: another worker may write newer tokens back).
func (p *Platform) rejectedFenced(store FencedTokenStore, verdict error, events *pending) {
	data, generation, err := store.LoadGeneration()
	p.mu.Lock()
	defer p.mu.Unlock()
	var stored *authState
	view := "same"
	if err != nil {
		view = "unreadable" // the store cannot say whether it still holds that token
	} else {
		if p.foreign = p.other(data); p.foreign != nil {
			data = nil
		}
		stored, _ = stateFromJSON(data)
		if generation == "" {
			view = "lost"
		} else if stored != nil && generation != p.stored {
			view = "other"
		}
	}
	switch afterRejection(view) {
	case "keep":
		return
	case "drop":
		p.unsaved, p.unsavedOver = false, ""
		p.use(nil)
		p.stored = ""
	case "adopt":
		p.unsaved, p.unsavedOver = false, ""
		p.adopt(stored)
		p.stored = generation
	default:
		p.unsaved, p.unsavedOver = false, ""
		p.use(nil)
		p.save(nil, generation, events)
		if p.state == nil { // not refused for newer tokens
			events.add(p, EventAccessViolation, verdict)
		}
	}
}
