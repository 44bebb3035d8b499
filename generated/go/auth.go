// Copied verbatim from templates/go/auth.go by rcsdk's generator.
// Do not edit: change templates/go/auth.go and run `make generate`.

package rcsdk

import (
	"encoding/json"
	"fmt"
)

// authState is a token response and when its tokens expire (seconds since the epoch).
//
// Expiry times are computed once, when the tokens arrive, and stored as they are: restoring
// saved auth data never recomputes them from expires_in. toJSON is the auth data format that
// the Python, JavaScript and PHP clients read and write too. An authState is never changed
// once made: goroutines share it freely.
type authState struct {
	token                 *TokenInfo
	expiresAt             *float64
	refreshTokenExpiresAt *float64
	authorization         []string // the Authorization header, "Bearer <access token>", made once per token
}

// issued are the tokens of a token request sent at now: their lifetime counts from the request,
// not from the answer, so an answer read late (a process paused, a slow network) never makes them
// look younger than they are (docs/FLEET.md). A lifetime that is not a positive number of seconds
// (expires_in 0, -5, absurdly large) is unknown: the token is used until the platform rejects
// it, then refreshed once.
func issued(token *TokenInfo, now float64) *authState {
	state := &authState{token: token, authorization: []string{"Bearer " + token.AccessToken}}
	state.expiresAt = expiry(now, token.ExpiresIn)
	if token.RefreshToken != "" {
		state.refreshTokenExpiresAt = expiry(now, token.RefreshTokenExpiresIn)
	}
	return state
}

// accessDue says whether the access token expires within margin seconds (decide.go).
func (s *authState) accessDue(now, margin float64) bool {
	return accessDue(s.expiresAt, s.token.ExpiresIn, now, margin)
}

func (s *authState) canRefresh(now float64) bool {
	return canRefresh(s.token.RefreshToken, s.refreshTokenExpiresAt, now)
}

// usable says whether these tokens can still authorize a call, directly or after a refresh.
func (s *authState) usable(now float64) bool {
	return !s.accessDue(now, 0) || s.canRefresh(now)
}

// issuedAt is when the tokens were issued (from the access token's expiry and lifetime).
func (s *authState) issuedAt() (float64, bool) {
	lifetime, ok := lifetime(s.token.ExpiresIn)
	if s.expiresAt == nil || !ok {
		return 0, false
	}
	return *s.expiresAt - lifetime, true
}

// issuedAfter says whether these tokens were issued after other's (a later rotation); a
// known issue time beats an unknown one.
func (s *authState) issuedAfter(other *authState) bool {
	mine, known := s.issuedAt()
	theirs, theirsKnown := other.issuedAt()
	if !theirsKnown {
		return known
	}
	return known && mine > theirs
}

func (s *authState) toJSON() map[string]any {
	out := map[string]any{
		"version":                  AuthDataVersion,
		"token":                    s.token.Raw,
		"expires_at":               nil,
		"refresh_token_expires_at": nil,
	}
	if s.expiresAt != nil {
		out["expires_at"] = *s.expiresAt
	}
	if s.refreshTokenExpiresAt != nil {
		out["refresh_token_expires_at"] = *s.refreshTokenExpiresAt
	}
	return out
}

// stateFromJSON reads saved auth data; nil or an empty object mean "no tokens".
func stateFromJSON(data map[string]any) (*authState, error) {
	if len(data) == 0 {
		return nil, nil
	}
	version, _ := data["version"]
	if number, ok := readNumber(version); !ok || number != AuthDataVersion {
		shown, _ := json.Marshal(version)
		return nil, newError(ErrAuthData, fmt.Sprintf(
			"auth data has version %s; this rcsdk reads version %d (saved by a different rcsdk? log in again to replace it)",
			shown, AuthDataVersion), nil)
	}
	token, err := parseTokenInfo(data["token"])
	if err != nil {
		return nil, newError(ErrAuthData, "auth data holds no usable token: "+err.Error(), nil)
	}
	state := &authState{token: token, authorization: []string{"Bearer " + token.AccessToken}}
	for key, into := range map[string]**float64{"expires_at": &state.expiresAt, "refresh_token_expires_at": &state.refreshTokenExpiresAt} {
		value := data[key]
		if value == nil {
			continue
		}
		number, ok := readNumber(value)
		if !ok {
			return nil, newError(ErrAuthData, fmt.Sprintf("auth data field '%s' must be a number (seconds) or null", key), nil)
		}
		*into = &number
	}
	return state, nil
}
