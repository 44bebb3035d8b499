// Go-only tests: what the shared tables cannot say because it is about Go itself. Each says why.
package tests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rcsdk.local/rcsdk"
)

const refreshGrant = "grant:refresh_token"

// rotatingStore: once a refresh is saved (its second save), another worker's tokens are read.
type rotatingStore struct {
	*rcsdk.MemoryTokenStore
	saves int
}

func (s *rotatingStore) Save(data map[string]any) error {
	s.saves++
	return s.MemoryTokenStore.Save(data)
}

func (s *rotatingStore) Load() (map[string]any, error) {
	data, err := s.MemoryTokenStore.Load()
	if s.saves == 2 && err == nil {
		s.saves, data = 3, maps.Clone(data)
		data["token"] = map[string]any{"access_token": "A3", "token_type": "bearer", "refresh_token": "R3"}
		err = s.MemoryTokenStore.Save(data)
	}
	return data, err
}

// decisions.json's after_401 end to end: the retry meets another worker's rotation, and the
// call goes out a third time, with the tokens that worker stored.
func TestARetryThatMeetsAnotherRotationIsSentAgain(t *testing.T) {
	json := map[string]string{"Content-Type": "application/json"}
	answer := func(status int, body string) scriptedResponse { return scriptedResponse{status, json, body} }
	token := answer(200, `{"access_token": "A", "token_type": "bearer", "expires_in": 3600, "refresh_token": "R"}`)
	expired := answer(401, `{"errorCode": "OAU-128"}`)
	server := newScripted(t, []scriptedResponse{token, expired, token, expired, answer(200, `{"id": 1}`)})
	sdk, _ := rcsdk.New("key", "secret", server.URL, rcsdk.WithStore(&rotatingStore{MemoryTokenStore: rcsdk.NewMemoryTokenStore()}))
	if _, err := sdk.Platform().LoginJWT(context.Background(), "JWT"); err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.Platform().Get(context.Background(), "/restapi/v1.0/a", nil); err != nil || len(server.requests()) != 5 {
		t.Fatalf("%v after %v", err, server.requests())
	}
}

// The file protocol across languages: the Go client writes a FileTokenStore, the Python client
// refreshes through the same file (its lock, its format), and the Go client, whose access token
// that refresh revoked, takes the new tokens from the file on its next call instead of
// refreshing again. (The Python fleet tests run the other languages' workers; this is Go's.)
func TestFileTokenStoreSharedWithPython(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	store, err := rcsdk.NewFileTokenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	platform := localSDK(t, rcsdk.WithStore(store)).Platform()
	ctx := context.Background()
	env := local.environment(t)
	if _, err := platform.LoginJWT(ctx, env["RC_JWT"]); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("store file: %v %v", info, err)
	}
	before, _ := local.counts(t)
	script := `import sys
from rcsdk import RCSDK, FileTokenStore
sdk = RCSDK(sys.argv[1], sys.argv[2], sys.argv[3], store=FileTokenStore(sys.argv[4]))
sdk.get_platform().refresh()
print(sdk.get_platform().read_extension().name)`
	python := os.Getenv("RCSDK_PYTHON")
	if python == "" {
		python = filepath.Join(root, ".venv", "bin", "python")
	}
	out, err := exec.Command(python, "-c", script, env["RC_APP_KEY"], env["RC_APP_SECRET"], env["RC_SERVER"], path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "Local User" {
		t.Fatalf("python: %v: %s", err, out)
	}
	extension, err := platform.ReadExtension(ctx)
	if err != nil || extension.Name != "Local User" {
		t.Fatalf("%v %v", extension, err)
	}
	after, _ := local.counts(t)
	if refreshes := after[refreshGrant] - before[refreshGrant]; refreshes != 1 {
		t.Errorf("%d refreshes, expected 1 (Python's)", refreshes)
	}
}

// context.Context is Go's own: its deadline is the call's total deadline, retries and their
// waits included, and the error is both a timeout and context.DeadlineExceeded.
func TestTheContextDeadlineIsTheTotalDeadline(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	retryLater := newScripted(t, []scriptedResponse{{Status: 503, Headers: map[string]string{"Retry-After": "30"}, Body: "{}"}})
	for _, server := range []string{slow.URL, retryLater.URL} {
		sdk, err := rcsdk.New("key", "secret", server)
		if err != nil {
			t.Fatal(err)
		}
		platform := sdk.Platform()
		if err := platform.SetAuthData(validTokens()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		started := time.Now()
		_, err = platform.Get(ctx, "/restapi/v1.0/account/~", nil)
		cancel()
		if elapsed := time.Since(started); elapsed > 2*time.Second {
			t.Errorf("%s: the call took %s past a 300ms deadline", server, elapsed)
		}
		var failure *rcsdk.Error
		if !errors.As(err, &failure) {
			t.Fatalf("%s: %v", server, err)
		}
		if server == slow.URL && (!errors.Is(err, rcsdk.ErrAPITimeout) || !errors.Is(err, context.DeadlineExceeded)) {
			t.Errorf("a deadline that passed is %v", err)
		}
		if server == retryLater.URL && !errors.Is(err, rcsdk.ErrInternalServer) {
			t.Errorf("a retry that would outlast the deadline is %v", err)
		}
	}
}

// net/http is Go's own: code written against *http.Client gets the token, and its refresh, from
// HTTPClient(); an error status comes back as a response, and another origin is refused.
func TestHTTPClientAuthorizes(t *testing.T) {
	platform := localSDK(t).Platform()
	ctx := context.Background()
	if _, err := platform.LoginJWT(ctx, local.environment(t)["RC_JWT"]); err != nil {
		t.Fatal(err)
	}
	client := platform.HTTPClient()
	server := platform.Server()
	response, err := client.Get(server + "/restapi/v1.0/account/~/extension/~")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(response.Body)
	if response.StatusCode != 200 || !strings.Contains(string(body), "Local User") {
		t.Errorf("%d %s", response.StatusCode, body)
	}
	response, err = client.Get(server + "/restapi/v1.0/account/~/no-such-thing")
	if err != nil || response.StatusCode != 404 {
		t.Errorf("an error status: %v %v", response, err)
	}
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the foreign server got a request")
	}))
	defer foreign.Close()
	if _, err := client.Get(foreign.URL + "/steal"); !errors.Is(err, rcsdk.ErrUsage) {
		t.Errorf("another origin: %v", err)
	}
}

// Events are callbacks in Go: the payloads are typed values (a *TokenInfo, an *Error, nil), a
// listener that panics breaks no call, and the function On returns removes the listener.
func TestEventsAreCallbacks(t *testing.T) {
	platform := localSDK(t).Platform()
	ctx := context.Background()
	var seen []string
	remove := platform.On(rcsdk.EventLoginSuccess, func(payload any) {
		token := payload.(*rcsdk.TokenInfo)
		seen = append(seen, "login "+token.TokenType)
	})
	platform.On(rcsdk.EventLoginError, func(payload any) {
		seen = append(seen, fmt.Sprint("error ", errors.Is(payload.(error), rcsdk.ErrInvalidGrant)))
		panic("a listener's own bug")
	})
	platform.On(rcsdk.EventLogoutSuccess, func(payload any) { seen = append(seen, fmt.Sprint("logout ", payload)) })
	jwt := local.environment(t)["RC_JWT"]
	if _, err := platform.LoginJWT(ctx, jwt); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.LoginJWT(ctx, "not-the-jwt"); !errors.Is(err, rcsdk.ErrInvalidGrant) {
		t.Fatalf("a wrong JWT: %v", err)
	}
	remove()
	if _, err := platform.LoginJWT(ctx, jwt); err != nil {
		t.Fatal(err)
	}
	if err := platform.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, "; "); got != "login bearer; error true; logout <nil>" {
		t.Errorf("events: %s", got)
	}
}

// An id_token read from the store reaches the redactor with the other tokens, as in every
// language (tests/test_redact.py has Python's twin, through set_auth_data; the redaction table
// tests the Redactor alone, not what the ledger hands it).
func TestAnIDTokenFromTheStoreIsBlanked(t *testing.T) {
	store := rcsdk.NewMemoryTokenStore()
	data := validTokens()
	idToken := "eyJhbGciOiJub25lIn0.ID-TOKEN-FROM-THE-STORE.sig"
	data["token"].(map[string]any)["id_token"] = idToken
	if err := store.Save(data); err != nil {
		t.Fatal(err)
	}
	sdk, err := rcsdk.New("key", "secret", "http://127.0.0.1:9", rcsdk.WithStore(store))
	if err != nil {
		t.Fatal(err)
	}
	platform := sdk.Platform()
	if !platform.IsAuthorized() { // reads the store
		t.Fatal("the stored session was not read")
	}
	if shown := platform.Redactor().Text("echoed: " + idToken); strings.Contains(shown, idToken) {
		t.Fatalf("the id_token is shown: %s", shown)
	}
}

// lockedOutStore: another process holds the lock (Lock fails); saves are counted.
type lockedOutStore struct {
	*rcsdk.MemoryTokenStore
	saves int
}

func (s *lockedOutStore) Save(data map[string]any) error {
	s.saves++
	return s.MemoryTokenStore.Save(data)
}

func (s *lockedOutStore) Lock(context.Context) (func(), error) {
	return nil, errors.New("held by another process")
}

// Go-only: no table reaches a store whose lock fails (tests/cases/security.json's store rows
// use real stores; Python, JS and PHP have their own tests of a lock that times out). A login
// whose store cannot be locked writes nothing (another process may be refreshing) and keeps the
// tokens, unsaved, in use, with one storeError, as in Python, JS and PHP.
func TestALoginWithoutTheStoresLockWritesNothing(t *testing.T) {
	json := map[string]string{"Content-Type": "application/json"}
	token := scriptedResponse{200, json, `{"access_token": "A", "token_type": "bearer", "expires_in": 3600, "refresh_token": "R"}`}
	server := newScripted(t, []scriptedResponse{token})
	store := &lockedOutStore{MemoryTokenStore: rcsdk.NewMemoryTokenStore()}
	sdk, _ := rcsdk.New("key", "secret", server.URL, rcsdk.WithStore(store))
	platform := sdk.Platform()
	var storeErrors int
	platform.On(rcsdk.EventStoreError, func(any) { storeErrors++ })
	if _, err := platform.LoginJWT(context.Background(), "JWT"); err != nil {
		t.Fatal(err)
	}
	if store.saves != 0 || storeErrors != 1 || !platform.IsAuthorized() {
		t.Fatalf("saves %d, storeError events %d, authorized %v", store.saves, storeErrors, platform.IsAuthorized())
	}
}
