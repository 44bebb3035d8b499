// Copied verbatim from templates/go/pkce.go by rcsdk's generator.
// Do not edit: change templates/go/pkce.go and run `make generate`.

package rcsdk

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// PKCE (RFC 7636): a random code verifier and its S256 challenge; the state nonce.

func pkceVerifier() string {
	return randomText(48)
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func pkceState() string {
	return randomText(16)
}

func randomText(size int) string {
	bytes := make([]byte, size)
	_, _ = rand.Read(bytes) // crypto/rand.Read never fails (it panics instead)
	return base64.RawURLEncoding.EncodeToString(bytes)
}

// AuthorizationRequest is an authorization URL and what the code exchange will need from it.
type AuthorizationRequest struct {
	// URL is where to send the user's browser.
	URL string
	// State is to compare with the state the redirect URI receives (CSRF protection).
	State string
	// CodeVerifier is to pass to LoginAuthCode with the code.
	CodeVerifier string
	// RedirectURI is the redirect URI in the URL, to pass to LoginAuthCode too.
	RedirectURI string
}

// String is the URL (the verifier is left out).
func (a *AuthorizationRequest) String() string { return a.URL }

// GoString leaves the verifier out of %#v too.
func (a *AuthorizationRequest) GoString() string {
	return "&rcsdk.AuthorizationRequest{URL: " + a.URL + ", CodeVerifier: " + Redacted + "}"
}
