package rcsdk

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// HTTPClient is an *http.Client whose requests the platform authorizes: code written against
// the standard library gets the access token, refresh (before expiry and after a 401 token
// error), retries and the origin check without changes. Requests must go to the platform's
// own origin; an error status comes back as a response, as net/http does.
func (p *Platform) HTTPClient() *http.Client {
	return &http.Client{
		Transport: roundTripper{p},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// roundTripper sends a request through its platform.
type roundTripper struct{ platform *Platform }

// RoundTrip sends request through the platform.
func (rt roundTripper) RoundTrip(request *http.Request) (*http.Response, error) {
	call := Call{Method: request.Method, Path: request.URL.String(), Headers: map[string]string{}}
	for key, values := range request.Header {
		if !strings.EqualFold(key, "Authorization") && len(values) > 0 {
			call.Headers[key] = values[0]
		}
	}
	if request.Body != nil {
		body, err := io.ReadAll(request.Body)
		_ = request.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(body) > 0 {
			call.Body = json.RawMessage(body)
		}
	}
	response, err := rt.platform.Request(request.Context(), call)
	if err != nil {
		if failure, ok := asError(err); ok && failure.response != nil {
			response, err = failure.response, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status:        http.StatusText(response.StatusCode),
		StatusCode:    response.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        response.Header,
		Body:          io.NopCloser(bytes.NewReader(response.Body)),
		ContentLength: int64(len(response.Body)),
		Request:       request,
	}, nil
}
