// Copied verbatim from templates/go/answers.go by rcsdk's generator.
// Do not edit: change templates/go/answers.go and run `make generate`.

package rcsdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// What came back: JSON bodies, the typed error of an error response (by its status and by its
// error code or OAuth error; a redirect), and how long an answer asks to wait before the next
// try (Retry-After, rate-limit windows; else exponential backoff).

// Response is what the platform answered: status, headers and the raw body.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// JSON is the body decoded from JSON (objects as map[string]any, numbers as json.Number).
func (r *Response) JSON() (any, error) {
	value, ok := decodeJSON(r.Body)
	if !ok {
		return nil, &Error{Kind: ErrResponseFormat, Message: fmt.Sprintf("%d response is not JSON", r.StatusCode), StatusCode: r.StatusCode}
	}
	return value, nil
}

// Decode decodes the JSON body into v, as encoding/json does.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return &Error{Kind: ErrResponseFormat, Message: fmt.Sprintf("%d response does not decode: %v", r.StatusCode, err), StatusCode: r.StatusCode, cause: err}
	}
	return nil
}

// decodeJSON decodes a body leniently: false when it is empty or not JSON.
func decodeJSON(body []byte) (any, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, false
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	var value any
	if decoder.Decode(&value) != nil || decoder.More() {
		return nil, false
	}
	return value, true
}

// Lenient readers of decoded JSON: a missing or mistyped value is the zero value.

func readString(value any) string {
	switch v := value.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func readInt64(value any) int64 {
	switch v := value.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int64(f)
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<62 {
			return int64(v)
		}
	case int:
		return int64(v)
	case int64:
		return v
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return n
		}
	}
	return 0
}

//lint:ignore U1000 the models of a spec with a number field read them with it
func readFloat64(value any) float64 {
	number, _ := readNumber(value)
	return number
}

// readNumber reads a JSON number (not a string holding one).
func readNumber(value any) (float64, bool) {
	switch v := value.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	case float64:
		return v, !math.IsInf(v, 0) && !math.IsNaN(v)
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

//lint:ignore U1000 the models of a spec with a boolean field read them with it
func readBool(value any) bool {
	v, _ := value.(bool)
	return v
}

var httpDate = regexp.MustCompile(`^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC|\+0000)$`)

// parseRetryAfter reads a Retry-After header (delay-seconds or an HTTP date) in seconds. A
// date in the past means 0; garbage, negative or non-finite values mean "not said".
func parseRetryAfter(value string, now float64) (float64, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseFloat(value, 64); err == nil {
		return seconds, !math.IsInf(seconds, 0) && !math.IsNaN(seconds) && seconds >= 0
	}
	if !httpDate.MatchString(value) {
		return 0, false
	}
	when, err := time.Parse("Mon, 02 Jan 2006 15:04:05", value[:25]) // the zone is UTC
	if err != nil {
		return 0, false
	}
	return math.Max(0, float64(when.Unix())-now), true
}

// rateLimitDelay is the wait a 429 asks for: Retry-After, else X-Rate-Limit-Window, else the
// fallback.
func rateLimitDelay(header http.Header, now float64) float64 {
	if delay, ok := parseRetryAfter(header.Get("Retry-After"), now); ok {
		return delay
	}
	if delay, ok := parseRetryAfter(header.Get("X-Rate-Limit-Window"), now); ok {
		return delay
	}
	return rateLimitFallback
}

// backoff is exponential, jittered in its upper half: attempt 0 waits 0.25 to 0.5 s.
func backoff(attempt int) float64 {
	ceiling := backoffBase * math.Pow(2, float64(attempt))
	return ceiling * (0.5 + 0.5*rand.Float64())
}

// statusError is the typed error of a response that is not a success.
func statusError(response *Response, redactor *Redactor, now float64) *Error {
	status := response.StatusCode
	requestID := response.Header.Get("RCRequestId")
	if requestID == "" {
		requestID = response.Header.Get("X-Request-Id")
	}
	requestID = redactor.Text(requestID)
	if status < 400 {
		location := response.Header.Get("Location")
		target := "nowhere (no Location)"
		if location != "" {
			target = "the same host"
			if parsed, err := url.Parse(location); err == nil && parsed.Host != "" {
				target = parsed.Host
			}
		}
		return &Error{
			Kind:       ErrRedirect,
			Message:    redactor.Text(fmt.Sprintf("%d unexpected redirect to %s: rcsdk never follows redirects", status, target)),
			StatusCode: status,
			RequestID:  requestID,
		}
	}
	decoded, _ := decodeJSON(response.Body)
	body, isMap := decoded.(map[string]any)
	var fields *ErrorBody
	if isMap {
		fields, _ = parseErrorBody(body)
	}
	out := &Error{StatusCode: status, RequestID: requestID}
	detail := ""
	if fields != nil {
		codes := []string{fields.ErrorCode}
		for _, item := range fields.Errors {
			codes = append(codes, item.ErrorCode)
		}
		for _, code := range codes {
			if code != "" && !slices.Contains(out.ErrorCodes, code) {
				out.ErrorCodes = append(out.ErrorCodes, code)
			}
		}
		out.OAuthError = redactor.Text(fields.Error)
		out.ErrorDescription = redactor.Text(fields.ErrorDescription)
		detail = fields.ErrorDescription
		if detail == "" {
			detail = fields.Message
		}
		if detail == "" && len(fields.Errors) > 0 {
			detail = fields.Errors[0].Message
		}
		out.Body, _ = redactor.Value(body).(map[string]any)
	} else if decoded == nil {
		detail = "no JSON body"
	}
	if status == 429 {
		out.RetryAfter, out.HasRetryAfter = seconds(rateLimitDelay(response.Header, now)), true
	} else if retryStatuses[status] {
		if delay, ok := parseRetryAfter(response.Header.Get("Retry-After"), now); ok {
			out.RetryAfter, out.HasRetryAfter = seconds(delay), true
		}
	}
	out.Kind = kindFor(status, fields.oauthError(), out.ErrorCodes)
	if also := statusKind(status); !kindIs(out.Kind, also) {
		out.also = also
	}
	message := fmt.Sprintf("%d %s", status, out.Kind.name)
	if out.OAuthError != "" {
		message = fmt.Sprintf("%d %s", status, fields.Error)
	}
	if len(out.ErrorCodes) > 0 {
		message += " [" + strings.Join(out.ErrorCodes, ", ") + "]"
	}
	if detail != "" {
		message += ": " + detail
	}
	out.Message = redactor.Text(message)
	return out
}

func (b *ErrorBody) oauthError() string {
	if b == nil {
		return ""
	}
	return b.Error
}

func kindIs(kind, target *Kind) bool {
	for k := kind; k != nil; k = k.base {
		if k == target {
			return true
		}
	}
	return false
}

func seconds(value float64) time.Duration {
	return time.Duration(math.Round(value * float64(time.Second)))
}

// tokenFrom reads a token response; the tokens join the redactor's secrets.
func tokenFrom(response *Response, redactor *Redactor) (*TokenInfo, error) {
	if response.StatusCode != 200 {
		return nil, &Error{Kind: ErrResponseFormat, Message: fmt.Sprintf("token response has status %d, not 200", response.StatusCode), StatusCode: response.StatusCode}
	}
	body, ok := decodeJSON(response.Body)
	if !ok {
		return nil, &Error{Kind: ErrResponseFormat, Message: fmt.Sprintf("%d response is not JSON", response.StatusCode), StatusCode: response.StatusCode}
	}
	token, err := parseTokenInfo(body)
	if err != nil {
		return nil, &Error{Kind: ErrResponseFormat, Message: "token response unusable: " + err.Error(), StatusCode: response.StatusCode}
	}
	redactor.AddTokens(token.AccessToken, token.RefreshToken, token.IDToken)
	return token, nil
}
