// Copied verbatim from templates/go/decide.go by rcsdk's generator.
// Do not edit: change templates/go/decide.go and run `make generate`.

package rcsdk

// The decisions of the token lifecycle, as functions of values: no clock, no store, no I/O (the
// same functions, under the same names, as Python's rcsdk/_decide.py, JavaScript's decide.ts and
// PHP's Decide.php). Each is run by every language from one table (tests/cases/decisions.json);
// callers read the clock and the store, and act on what these return.

// lifetime is a token's lifetime when it is a usable number of seconds (ok), else unknown.
func lifetime(seconds int64) (float64, bool) {
	return float64(seconds), seconds > 0 && seconds <= maxLifetime
}

// expiry is when a token issued at now with lifetime seconds expires (nil: unknown, and the
// token is used until the platform rejects it).
func expiry(now float64, seconds int64) *float64 {
	known, ok := lifetime(seconds)
	if !ok {
		return nil
	}
	at := now + known
	return &at
}

// accessDue says whether the access token expires within margin seconds (or has expired). The
// margin is capped at half the token's lifetime: a token just issued is never due, however
// short-lived. An unknown expiry is never due.
func accessDue(expiresAt *float64, expiresIn int64, now, margin float64) bool {
	if expiresAt == nil {
		return false
	}
	if known, ok := lifetime(expiresIn); ok {
		margin = min(margin, known/2)
	}
	return now >= *expiresAt-margin
}

// canRefresh says whether a refresh can be tried: a refresh token that has not expired (or
// whose expiry is unknown).
func canRefresh(refreshToken string, refreshTokenExpiresAt *float64, now float64) bool {
	return refreshToken != "" && (refreshTokenExpiresAt == nil || now < *refreshTokenExpiresAt)
}
