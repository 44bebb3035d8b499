// Issue #15's language-neutral table (tests/cases/security.json), every case, against the Go
// client. `platform: local` is the real local platform (rcsdk.testing); the foreign and redirect
// listeners are loopback servers of this process. The foreign one counts connections and
// requests and must see 0 every time.
package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"rcsdk.local/rcsdk"
)

// Expected message substrings whose wording is language-specific -> what Go says. Only these
// are translated; every other substring must appear as written.
var goWording = map[string]string{
	// The option the message tells the user to pass, by its Go name.
	"allow_insecure_http": "WithAllowInsecureHTTP",
	// New's arguments and options, by their Go names.
	"app_key":    "appKey",
	"app_secret": "appSecret",
	"user_agent": "userAgent",
}

// The table's options (by their Python names) -> Go's. A value Go's types cannot take is a
// case for signature_refuses (goParameter), not an option.
var goOptions = map[string]func(value any) rcsdk.Option{
	"allow_insecure_http": func(value any) rcsdk.Option { return rcsdk.WithAllowInsecureHTTP(value.(bool)) },
	"max_retries":         func(value any) rcsdk.Option { return rcsdk.WithMaxRetries(int(value.(float64))) },
	"user_agent":          func(value any) rcsdk.Option { return rcsdk.WithUserAgent(value.(string)) },
}

// signatureRefused says (for a case whose signature_refuses names Go) whether the Go parameter
// that the case's odd value goes to is typed so that the value cannot be passed at all: the
// compiler refuses the call, as PHP's strict types refuse it with a TypeError. An error when
// Go would take it (then the case must run).
func signatureRefused(c securityCase) error {
	var value any
	var parameter reflect.Type
	switch {
	case c.Action == "file_store":
		value, parameter = c.Args["path"], reflect.TypeOf(rcsdk.NewFileTokenStore).In(0)
	case c.Options["clock"] != nil:
		value, parameter = c.Options["clock"], reflect.TypeOf(rcsdk.WithClock).In(0)
	case c.Action == "request":
		headers, _ := c.Args["headers"].(map[string]any)
		for _, v := range headers {
			value = v
		}
		parameter = reflect.TypeOf(rcsdk.Call{}.Headers).Elem()
	default:
		return fmt.Errorf("no Go parameter known for the case")
	}
	if value == nil || reflect.TypeOf(value).AssignableTo(parameter) {
		return fmt.Errorf("Go's %s takes %#v: the case must run", parameter, value)
	}
	return nil
}

type securityCase struct {
	ID       string         `json:"id"`
	Platform string         `json:"platform"`
	Redirect map[string]any `json:"redirect"`
	Tokens   string         `json:"tokens"`
	Action   string         `json:"action"`
	Server   string         `json:"server"`
	Options  map[string]any `json:"options"`
	Args     map[string]any `json:"args"`
	Expect   map[string]any `json:"expect"`
	// Credentials replace the local platform's app key and secret.
	Credentials map[string]string `json:"credentials"`
	// SignatureRefuses are the languages whose types refuse the case's call.
	SignatureRefuses []string `json:"signature_refuses"`
	// Store is what the platform's store holds first: tokens (valid, issued), origin, app_key.
	Store map[string]any `json:"store"`
}

type redactionCase struct {
	ID          string     `json:"id"`
	Credentials []string   `json:"credentials"`
	Rotations   [][]string `json:"rotations"`
	Text        *string    `json:"text"`
	Expect      string     `json:"expect"`
	Value       any        `json:"value"`
	ExpectValue any        `json:"expect_value"`
}

type securityTable struct {
	Cases     []json.RawMessage `json:"cases"`
	Redaction struct {
		Cases []redactionCase `json:"cases"`
	} `json:"redaction"`
}

// listener is a loopback HTTP server counting connections and requests.
type listener struct {
	server      *http.Server
	host        string
	connections atomic.Int64
	requests    atomic.Int64
	mu          sync.Mutex
	status      int
	location    string
}

func newListener(t testing.TB, status int, body string) *listener {
	socket, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &listener{host: socket.Addr().String(), status: status}
	l.server = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l.requests.Add(1)
			l.mu.Lock()
			status, location := l.status, l.location
			l.mu.Unlock()
			if location != "" {
				w.Header().Set("Location", location)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}),
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				l.connections.Add(1)
			}
		},
	}
	go func() { _ = l.server.Serve(socket) }() // serves until the test binary exits
	return l
}

var (
	listenersOnce      sync.Once
	foreign, redirects *listener
)

func validTokens() map[string]any {
	far := 4_000_000_000.0
	return map[string]any{
		"version": 1,
		"token": map[string]any{
			"access_token": "case-access-token-0001", "token_type": "bearer", "expires_in": 3600,
			"refresh_token": "case-refresh-token-0001", "refresh_token_expires_in": 604800,
			"scope": "ReadAccounts", "owner_id": "1", "endpoint_id": "e",
		},
		"expires_at":               far,
		"refresh_token_expires_at": far,
	}
}

// runSecurityCase runs one case; the error says how the client differed from the table.
func runSecurityCase(t *testing.T, raw json.RawMessage) error {
	env := securityLocal.environment(t)
	listenersOnce.Do(func() {
		foreign = newListener(t, 200, `{"stolen": true}`)
		redirects = newListener(t, 302, `{"access_token": "redirected-token", "token_type": "bearer", "expires_in": 3600}`)
	})
	var probe securityCase
	if err := json.Unmarshal(raw, &probe); err != nil {
		return err
	}
	localURL, _ := url.Parse(env["RC_SERVER"])
	host := localURL.Host
	if probe.Platform == "redirect" {
		host = redirects.host
	}
	_, port, _ := net.SplitHostPort(host)
	filled := strings.NewReplacer("{platform}", host, "{foreign}", foreign.host, "{remote}", "0.0.0.0:"+port,
		"{jwt}", env["RC_JWT"], "{closed}", closedAddress(t), "{app_key}", env["RC_APP_KEY"]).Replace(string(raw))
	var c securityCase
	if err := json.Unmarshal([]byte(filled), &c); err != nil {
		return err
	}
	if slices.Contains(c.SignatureRefuses, "go") {
		return signatureRefused(c)
	}
	received := func() int64 {
		if c.Platform == "redirect" {
			return redirects.requests.Load()
		}
		_, connections := securityLocal.counts(t)
		return int64(connections)
	}
	ownCount := int64(1) // the counting request's own connection
	if c.Platform == "redirect" {
		ownCount = 0
	}
	if c.Platform == "redirect" {
		redirects.mu.Lock()
		redirects.status, redirects.location = int(c.Redirect["status"].(float64)), c.Redirect["location"].(string)
		redirects.mu.Unlock()
	}
	var warnings []string
	var mu sync.Mutex
	options := []rcsdk.Option{rcsdk.WithLogger(func(level, message string) {
		if level == "warning" {
			mu.Lock()
			warnings = append(warnings, message)
			mu.Unlock()
		}
	})}
	for name, value := range c.Options {
		option, ok := goOptions[name]
		if !ok {
			return fmt.Errorf("no Go option for %s", name)
		}
		options = append(options, option(value))
	}
	server := c.Server
	if server == "" {
		server = "http://" + host
	}
	store, held, err := prefilledStore(c, env, "http://"+host)
	if err != nil {
		return err
	}
	if store != nil {
		options = append(options, rcsdk.WithStore(store))
	}
	appKey, appSecret := env["RC_APP_KEY"], env["RC_APP_SECRET"]
	if key, ok := c.Credentials["app_key"]; ok {
		appKey = key
	}
	if secret, ok := c.Credentials["app_secret"]; ok {
		appSecret = secret
	}
	foreignBefore := foreign.connections.Load() + foreign.requests.Load()
	before := received()
	ctx := context.Background()
	err = func() error {
		arg := func(name string) string { s, _ := c.Args[name].(string); return s }
		action := c.Action
		var sdk *rcsdk.SDK
		var err error
		switch action {
		case "file_store":
			if _, err := rcsdk.NewFileTokenStore(arg("path")); err != nil {
				return err
			}
			return fmt.Errorf("NewFileTokenStore took a path that is not one")
		case "from_env":
			for _, variable := range os.Environ() {
				if name, _, _ := strings.Cut(variable, "="); strings.HasPrefix(name, "RC_") {
					t.Setenv(name, "") // empty counts as unset
				}
			}
			given, _ := c.Args["env"].(map[string]any)
			for name, value := range given {
				t.Setenv(name, value.(string))
			}
			if sdk, err = rcsdk.FromEnv(); err != nil {
				return err
			}
			// Go's LoginJWT takes the JWT from the settings explicitly, as JavaScript's does.
			action, c.Args = arg("then"), map[string]any{"jwt": sdk.Settings.JWT}
		default:
			if sdk, err = rcsdk.New(appKey, appSecret, server, options...); err != nil {
				return err
			}
		}
		platform := sdk.Platform()
		switch c.Tokens {
		case "valid":
			if err := platform.SetAuthData(validTokens()); err != nil {
				return err
			}
		case "login":
			if _, err := platform.LoginJWT(ctx, env["RC_JWT"]); err != nil {
				return err
			}
		}
		before = received()
		switch action {
		case "construct":
			return nil
		case "login_jwt":
			_, err = platform.LoginJWT(ctx, arg("jwt"))
		case "login_password":
			//lint:ignore SA1019 the table tries the password grant, as in every language
			_, err = platform.Authorize(ctx, arg("username"), arg("extension"), arg("password"))
		case "refresh":
			_, err = platform.Refresh(ctx)
		case "revoke":
			err = platform.Logout(ctx)
		case "request":
			headers := map[string]string{}
			if h, ok := c.Args["headers"].(map[string]any); ok {
				for k, v := range h {
					text, ok := v.(string)
					if !ok {
						return fmt.Errorf("header %s: %#v is no Go string (list go in signature_refuses)", k, v)
					}
					headers[k] = text
				}
			}
			_, err = platform.Request(ctx, rcsdk.Call{Method: arg("method"), Path: arg("path"), Headers: headers})
		// Usage: a null argument or options object is Go's zero value (no options given).
		case "login_auth_code":
			_, err = platform.LoginAuthCode(ctx, arg("code"))
		case "authorize_url":
			if request := platform.AuthorizeURL(""); request == nil || request.URL == "" {
				err = fmt.Errorf("AuthorizeURL made no URL")
			}
		case "read_extension":
			_, err = platform.ReadExtension(ctx)
		case "get":
			_, err = platform.Get(ctx, arg("path"), nil)
		case "set_auth_data":
			data := validTokens()
			binding, _ := c.Args["binding"].(map[string]any)
			maps.Copy(data, binding)
			err = platform.SetAuthData(data)
		default:
			return fmt.Errorf("unknown action %s", c.Action)
		}
		return err
	}()
	after := received()
	if got := foreign.connections.Load() + foreign.requests.Load() - foreignBefore; got != 0 {
		return fmt.Errorf("the foreign host was reached %d times", got)
	}
	if expected, ok := c.Expect["platform_requests"].(float64); ok && after-before-ownCount != int64(expected) {
		return fmt.Errorf("platform requests %d, expected %v", after-before-ownCount, expected)
	}
	if c.Expect["error"] == nil {
		if err != nil {
			return fmt.Errorf("unexpected %v", err)
		}
	} else {
		var failure *rcsdk.Error
		if !errors.As(err, &failure) {
			return fmt.Errorf("expected %v, nothing was raised (%v)", c.Expect["error"], err)
		}
		if failure.Kind.Error() != c.Expect["error"] {
			return fmt.Errorf("expected %v, got %s: %v", c.Expect["error"], failure.Kind, err)
		}
		for _, part := range texts(c.Expect["message"]) {
			if !strings.Contains(err.Error(), translated(part)) {
				return fmt.Errorf("message %q lacks %q", err.Error(), translated(part))
			}
		}
		for _, part := range texts(c.Expect["message_lacks"]) {
			if strings.Contains(err.Error()+fmt.Sprintf("%#v %+v", err, err), part) {
				return fmt.Errorf("a secret is shown: %q", part)
			}
		}
		if status, ok := c.Expect["status"].(float64); ok && failure.StatusCode != int(status) {
			return fmt.Errorf("status %d, expected %v", failure.StatusCode, status)
		}
	}
	if want, ok := c.Expect["store"]; ok {
		if store == nil {
			return fmt.Errorf("the case expects a store and has none")
		}
		now, err := store.Load()
		if err != nil {
			return err
		}
		if want == "unchanged" {
			got, _ := json.Marshal(now)
			expected, _ := json.Marshal(held)
			if string(got) != string(expected) {
				return fmt.Errorf("the store's session was changed: %s, was %s", got, expected)
			}
		} else {
			for key, value := range want.(map[string]any) {
				if now[key] != value {
					return fmt.Errorf("store %s is %#v, expected %#v", key, now[key], value)
				}
			}
		}
	}
	for _, part := range texts(c.Expect["warning"]) {
		found := false
		for _, warning := range warnings {
			found = found || strings.Contains(warning, translated(part))
		}
		if !found {
			return fmt.Errorf("no warning with %q in %q", translated(part), warnings)
		}
	}
	return nil
}

// prefilledStore is the case's store, holding its auth data (store), and that data; with no
// store but an expect.store, an empty one.
func prefilledStore(c securityCase, env map[string]string, server string) (*rcsdk.MemoryTokenStore, map[string]any, error) {
	if c.Store == nil {
		if _, ok := c.Expect["store"]; ok {
			return rcsdk.NewMemoryTokenStore(), nil, nil
		}
		return nil, nil, nil
	}
	data := validTokens()
	if c.Store["tokens"] == "issued" { // another client logged in to the platform
		other, err := rcsdk.New(env["RC_APP_KEY"], env["RC_APP_SECRET"], server)
		if err != nil {
			return nil, nil, err
		}
		if _, err := other.Platform().LoginJWT(context.Background(), env["RC_JWT"]); err != nil {
			return nil, nil, err
		}
		data = other.Platform().GetAuthData()
	}
	for _, key := range []string{rcsdk.AuthDataOrigin, rcsdk.AuthDataAppKey} {
		delete(data, key)
		if value, ok := c.Store[key]; ok {
			data[key] = value
		}
	}
	store := rcsdk.NewMemoryTokenStore()
	if err := store.Save(data); err != nil {
		return nil, nil, err
	}
	var held map[string]any
	raw, _ := json.Marshal(data)
	_ = json.Unmarshal(raw, &held)
	return store, held, nil
}

// closedAddress is a loopback host:port where nothing listens (bound, then closed).
func closedAddress(t testing.TB) string {
	socket, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := socket.Addr().String()
	_ = socket.Close()
	return address
}

func translated(part string) string {
	if wording, ok := goWording[part]; ok {
		return wording
	}
	return part
}

func texts(value any) []string {
	items, _ := value.([]any)
	out := []string{}
	for _, item := range items {
		out = append(out, item.(string))
	}
	return out
}

func loadSecurity(t testing.TB) *securityTable {
	var table securityTable
	readJSON(t, "tests/cases/security.json", &table)
	return &table
}

func TestSecurityTable(t *testing.T) {
	for _, raw := range loadSecurity(t).Cases {
		var c securityCase
		_ = json.Unmarshal(raw, &c)
		t.Run(c.ID, func(t *testing.T) {
			if err := runSecurityCase(t, raw); err != nil {
				t.Errorf("%s: %v", c.ID, err)
			}
		})
	}
}

// The runner can fail: a wrong expected message is caught, and so is an error that never comes
// (WithAllowInsecureHTTP switches the plain-HTTP check off, the store holds the platform's own
// session), and a value Go's types would take marked as refused by them.
func TestTheSecurityRunnerCanFail(t *testing.T) {
	cases := map[string]map[string]any{}
	for _, raw := range loadSecurity(t).Cases {
		var c map[string]any
		_ = json.Unmarshal(raw, &c)
		cases[c["id"].(string)] = c
	}
	wrong := cases["foreign-absolute-url"]
	wrong["expect"].(map[string]any)["message"] = []any{"a substring no client says"}
	optedIn := cases["plain-http-remote"]
	optedIn["options"] = map[string]any{"allow_insecure_http": true}
	// A value Go's types would take is not refused by its signature: the case must run.
	typed := cases["header-not-a-string"]
	typed["args"].(map[string]any)["headers"] = map[string]any{"X-Count": "5"}
	// The store's session is the platform's own: it is sent, no SessionOriginError comes.
	own := cases["session-of-another-origin-not-sent"]
	own["store"].(map[string]any)["origin"] = "http://{platform}"
	for _, mutant := range []map[string]any{wrong, optedIn, typed, own} {
		raw, _ := json.Marshal(mutant)
		if runSecurityCase(t, raw) == nil {
			t.Errorf("a mutated case passed: %v", mutant["id"])
		}
	}
}

// The table's redaction cases: what a Redactor blanks, as in Python, JavaScript and PHP.
func TestRedactionTable(t *testing.T) {
	for _, c := range loadSecurity(t).Redaction.Cases {
		t.Run(c.ID, func(t *testing.T) {
			redactor := &rcsdk.Redactor{}
			redactor.Add(c.Credentials...)
			for _, rotation := range c.Rotations {
				redactor.AddTokens(rotation...)
			}
			if c.Text != nil {
				if got := redactor.Text(*c.Text); got != c.Expect {
					t.Errorf("%q, expected %q", got, c.Expect)
				}
				return
			}
			got, _ := json.Marshal(redactor.Value(c.Value))
			expected, _ := json.Marshal(c.ExpectValue)
			if string(got) != string(expected) {
				t.Errorf("%s, expected %s", got, expected)
			}
		})
	}
}
