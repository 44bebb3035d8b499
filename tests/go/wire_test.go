// Go's own wire code, beyond the shared table: the table's size rows reach one gzip bomb, so
// these reach what only Go's readBody does (deflate sent zlib-wrapped or raw, a deflate bomb,
// an answer inflated within the limit, a plain answer read into a buffer made from its declared
// length, the one timer that bounds every attempt), and the proxy's Proxy-Authorization and
// redaction.
package tests

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rcsdk.local/rcsdk"
)

func compressed(t *testing.T, encoding string, body []byte) []byte {
	var out bytes.Buffer
	var writer io.WriteCloser
	switch encoding {
	case "gzip":
		writer = gzip.NewWriter(&out)
	case "deflate-zlib":
		writer = zlib.NewWriter(&out)
	case "deflate-raw":
		writer, _ = flate.NewWriter(&out, flate.BestCompression)
	default:
		t.Fatalf("no encoding %s", encoding)
	}
	_, _ = writer.Write(body)
	_ = writer.Close()
	return out.Bytes()
}

// answering is a platform that answers every request with body, compressed as encoding says.
func answering(t *testing.T, encoding string, body []byte, options ...rcsdk.Option) *rcsdk.Platform {
	packed := compressed(t, encoding, body)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "deflate") {
			t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", strings.Split(encoding, "-")[0])
		_, _ = w.Write(packed)
	}))
	t.Cleanup(server.Close)
	sdk, err := rcsdk.New("app-key", "app-secret", server.URL, options...)
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.Platform().SetAuthData(validTokens()); err != nil {
		t.Fatal(err)
	}
	return sdk.Platform()
}

func TestCompressedAnswersAreInflated(t *testing.T) {
	body := []byte(`{"id": "` + strings.Repeat("x", 100000) + `"}`)
	for _, encoding := range []string{"gzip", "deflate-zlib", "deflate-raw"} {
		t.Run(encoding, func(t *testing.T) {
			response, err := answering(t, encoding, body).Get(context.Background(), "/restapi/v1.0/x", nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(response.Body, body) {
				t.Errorf("%d bytes, expected %d", len(response.Body), len(body))
			}
			if response.Header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding %q kept on an inflated body", response.Header.Get("Content-Encoding"))
			}
		})
	}
}

func TestCompressedAnswersStopAtTheLimit(t *testing.T) {
	bomb := bytes.Repeat([]byte("0"), 8<<20) // inflates to 8 MiB, past a 1 MiB limit
	for _, encoding := range []string{"gzip", "deflate-zlib", "deflate-raw"} {
		t.Run(encoding, func(t *testing.T) {
			platform := answering(t, encoding, bomb, rcsdk.WithMaxResponseBytes(1<<20))
			_, err := platform.Get(context.Background(), "/restapi/v1.0/x", nil)
			if !errors.Is(err, rcsdk.ErrResponseTooLarge) || !errors.Is(err, rcsdk.ErrResponseFormat) {
				t.Fatalf("%v, expected ErrResponseTooLarge", err)
			}
			var failure *rcsdk.Error
			_ = errors.As(err, &failure)
			if failure.StatusCode != 200 || !strings.Contains(err.Error(), "1048576") {
				t.Errorf("status %d, message %q", failure.StatusCode, err.Error())
			}
		})
	}
	// At the limit exactly, the answer is whole.
	exact := bytes.Repeat([]byte("0"), 1<<20)
	response, err := answering(t, "gzip", exact, rcsdk.WithMaxResponseBytes(1<<20)).Get(context.Background(), "/restapi/v1.0/x", nil)
	if err != nil || len(response.Body) != 1<<20 {
		t.Fatalf("%v", err)
	}
}

// Plain answers within the limit are read whole, whether their length is declared (the buffer
// is made from it, up to 1 MiB, and grows past that) or not (chunked); one byte over the limit
// is refused either way.
func TestPlainAnswersAreReadWholeWithinTheLimit(t *testing.T) {
	const limit = 3 << 20
	for _, size := range []int{0, 436, 1 << 20, 1<<20 + 1, limit, limit + 1} {
		for _, declared := range []bool{true, false} {
			body := bytes.Repeat([]byte("7"), size)
			server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if declared {
					w.Header().Set("Content-Length", fmt.Sprint(size))
				} else {
					w.(http.Flusher).Flush() // headers out first: chunked, no length
				}
				_, _ = w.Write(body)
			}))
			sdk, err := rcsdk.New("app-key", "app-secret", server.URL, rcsdk.WithMaxResponseBytes(limit))
			if err != nil {
				t.Fatal(err)
			}
			if err := sdk.Platform().SetAuthData(validTokens()); err != nil {
				t.Fatal(err)
			}
			response, err := sdk.Platform().Get(context.Background(), "/restapi/v1.0/x", nil)
			server.Close()
			if size > limit {
				if !errors.Is(err, rcsdk.ErrResponseTooLarge) {
					t.Errorf("size %d, declared %v: %v, expected ErrResponseTooLarge", size, declared, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("size %d, declared %v: %v", size, declared, err)
			} else if !bytes.Equal(response.Body, body) {
				t.Errorf("size %d, declared %v: %d bytes read", size, declared, len(response.Body))
			}
		}
	}
}

// WithTimeout bounds each attempt, the wait for the answer and the reading of its body, through
// one timer that the attempts under way share, and contexts that quick attempts leave to the
// next (transport.go's timeouts): attempts at once and one after another time out on time, a
// call that is quick is never cut short by what the timer of an earlier attempt had been set
// for, and a context that timed out is never used again.
func TestTheTimeoutBoundsEveryAttempt(t *testing.T) {
	const timeout = 300 * time.Millisecond
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := time.Duration(0)
		switch r.URL.Path {
		case "/restapi/v1.0/silent":
			wait = 5 * time.Second
		case "/restapi/v1.0/trickle": // the headers at once, the body never
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte("{"))
			w.(http.Flusher).Flush()
			wait = 5 * time.Second
		case "/restapi/v1.0/quick-after":
			wait = timeout / 2
		}
		select {
		case <-r.Context().Done():
		case <-time.After(wait):
			_, _ = w.Write([]byte("{}"))
		}
	}))
	defer server.Close()
	sdk, err := rcsdk.New("app-key", "app-secret", server.URL, rcsdk.WithTimeout(timeout), rcsdk.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	platform := sdk.Platform()
	if err := platform.SetAuthData(validTokens()); err != nil {
		t.Fatal(err)
	}
	timesOut := func(path string) {
		started := time.Now()
		_, err := platform.Get(context.Background(), path, nil)
		elapsed := time.Since(started)
		if !errors.Is(err, rcsdk.ErrAPITimeout) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(fmt.Sprint(err), "timed out after 300ms") {
			t.Errorf("%s: %v, expected a timeout after 300ms", path, err)
		}
		if elapsed < timeout || elapsed > timeout+time.Second {
			t.Errorf("%s: timed out after %s, expected %s", path, elapsed, timeout)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i) * timeout / 8) // deadlines one after another
			timesOut([]string{"/restapi/v1.0/silent", "/restapi/v1.0/trickle"}[i%2])
		}(i)
	}
	wg.Wait()
	for _, path := range []string{"/restapi/v1.0/trickle", "/restapi/v1.0/silent"} {
		timesOut(path) // alone, with the timer idle before
	}
	// Quick calls, then one that takes half the timeout after the timer was set for a quick
	// call's deadline: it is answered. An attempt's context that a quick call leaves for the
	// next one times out too, and is not used again after that.
	answered := func(path string) {
		if _, err := platform.Get(context.Background(), path, nil); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	for _, path := range []string{"/restapi/v1.0/quick", "/restapi/v1.0/quick", "/restapi/v1.0/quick-after"} {
		answered(path)
		time.Sleep(timeout / 3)
	}
	timesOut("/restapi/v1.0/silent")
	answered("/restapi/v1.0/quick")
}

func TestProxyAndSizeOptionsAreChecked(t *testing.T) {
	for _, options := range [][]rcsdk.Option{
		{rcsdk.WithMaxResponseBytes(0)},
		{rcsdk.WithProxy("ftp://user:proxy-secret-2@127.0.0.1:3128")},
		{rcsdk.WithProxy("http://user:proxy-secret-2@127.0.0.1:3128/path")},
		{rcsdk.WithProxy("http://user:proxy-secret-2@127.0.0.1:99999")},
		{rcsdk.WithProxy("http://127.0.0.1:3128"), rcsdk.WithRoundTripper(http.DefaultTransport)},
	} {
		_, err := rcsdk.New("app-key", "app-secret", "http://127.0.0.1:1", options...)
		if !errors.Is(err, rcsdk.ErrUsage) || strings.Contains(err.Error(), "proxy-secret-2") {
			t.Errorf("%v", err)
		}
	}
}

// A proxy's credentials go to the proxy (Proxy-Authorization), and no error shows the password.
func TestTheProxyIsAuthorizedAndItsPasswordRedacted(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	proxied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String()+" "+r.Header.Get("Proxy-Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxied.Close()
	host := strings.TrimPrefix(proxied.URL, "http://")
	sdk, err := rcsdk.New("app-key", "app-secret", "http://127.0.0.1:9/", rcsdk.WithMaxRetries(0),
		rcsdk.WithProxy("http://user:proxy%20secret-3@"+host))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sdk.Platform().LoginJWT(context.Background(), "a.jwt.value")
	if !errors.Is(err, rcsdk.ErrInternalServer) {
		t.Fatalf("%v, expected the proxy's 502", err)
	}
	expected := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:proxy secret-3"))
	if len(seen) != 1 || seen[0] != "POST http://127.0.0.1:9/restapi/oauth/token "+expected {
		t.Errorf("the proxy saw %q", seen)
	}
	// A proxy that refuses: the error names it, never its password.
	closed := closedPort(t)
	sdk, _ = rcsdk.New("app-key", "app-secret", "http://127.0.0.1:9/", rcsdk.WithMaxRetries(0),
		rcsdk.WithProxy("http://user:proxy%20secret-3@"+closed))
	_, err = sdk.Platform().LoginJWT(context.Background(), "a.jwt.value")
	text := fmt.Sprintf("%v %+v %#v", err, err, err)
	if !errors.Is(err, rcsdk.ErrAPIConnection) || !strings.Contains(text, "via proxy "+closed) ||
		strings.Contains(text, "secret-3") {
		t.Errorf("%v", err)
	}
}
