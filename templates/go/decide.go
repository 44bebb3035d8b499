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

// endsSession says whether the platform's answer to a refresh is its verdict on the refresh
// token itself: a 4xx invalid_grant with no error code or a code that names that token
// (expired, revoked, used). A network error (status 0), a 5xx, invalid_client, a rate limit or a
// proxy's HTML page are not: the tokens are kept.
func endsSession(status int, oauthError string, errorCodes []string) bool {
	if status < 400 || status >= 500 || oauthError != "invalid_grant" {
		return false
	}
	if len(errorCodes) == 0 {
		return true
	}
	for _, code := range errorCodes {
		if refreshRejectedCodes[code] {
			return true
		}
	}
	return false
}

// afterRejectionOf: what a session does once the platform rejected its refresh token, by what
// the store holds now (read under its lock).
var afterRejectionOf = map[string]string{"same": "end", "other": "adopt", "lost": "drop", "unreadable": "keep"}

// afterRejection is what a session whose refresh token the platform rejected does, by what the
// store holds now: "same" (that token, nothing newer) ends it for everyone sharing the store;
// "other" (tokens written meanwhile) adopts those; "lost" (a fenced store lost the key: the
// verdict is on our tokens) drops ours without ending it; "unreadable" keeps ours.
func afterRejection(store string) string {
	return afterRejectionOf[store]
}

// after401 is what a call does when its sends-th sending got a 401: "refresh" (then send it
// again with the new tokens), "reload" (send it again only if the store holds tokens another
// worker or a central refresher rotated in since the call read them), or "fail". Only a token
// failure is retried, never more than twice, and one call causes at most one refresh: the first
// retry follows a refresh (or, without auto-refresh, a rotation someone else made); the second
// only another worker's rotation that overtook the first retry.
func after401(sends int, tokenFailure, autoRefresh bool) string {
	if !tokenFailure || sends >= 3 {
		return "fail"
	}
	if sends == 1 && autoRefresh {
		return "refresh"
	}
	return "reload"
}

// afterRead is what the ledger does with what it just read from the store, which holds (store):
// "unreadable", "unusable" (content nobody can use), "foreign" (another origin's or app's
// session: not ours), "empty" (no tokens; a fenced store: no key), "replaced" (what our unsaved
// tokens replace), "older" (other tokens, issued before ours) or "other" (tokens written since).
// It returns "keep" (go on with the tokens in memory), "raise" (the read's error), "reseed"
// (write ours back into a lost key: the first writer wins), "write" (write the unsaved tokens; a
// fenced store takes them only over the generation they replace, whatever the clocks say) or
// "adopt" (use the store's).
func afterRead(fenced bool, store string, held, unsaved bool) string {
	switch {
	case store == "unreadable" && held:
		return "keep"
	case store == "unreadable":
		return "raise"
	case store == "unusable" && unsaved:
		return "write"
	case store == "unusable":
		return "raise"
	case fenced && store == "empty" && (held || unsaved):
		return "reseed"
	case !unsaved:
		return "adopt"
	case store == "other" && !fenced:
		return "adopt"
	}
	return "write"
}
