// Issue #15's language-neutral table (tests/cases/security.json), every case, against the Go
// client. `platform: local` is the real local platform (rcsdk.testing); the foreign and redirect
// listeners are loopback servers of this process. The foreign one counts connections and
// requests and must see 0 every time.
package tests

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rcsdk.local/rcsdk"
)

// Expected message substrings whose wording is language-specific -> what Go says. Only these
// are translated; every other substring must appear as written.
var goWording = map[string]string{
	// The option the message tells the user to pass, by its Go name.
	"allow_insecure_http": "WithAllowInsecureHTTP",
	// Arguments and options, by the names Go's messages give them.
	"app_key":    "appKey",
	"app_secret": "appSecret",
	"user_agent": "userAgent",
	// The size limit, by the option that sets it.
	"max_response_bytes": "WithMaxResponseBytes",
}

type securityCase struct {
	ID               string            `json:"id"`
	Platform         string            `json:"platform"`
	Redirect         map[string]any    `json:"redirect"`
	Tokens           string            `json:"tokens"`
	Action           string            `json:"action"`
	Server           string            `json:"server"`
	Options          map[string]any    `json:"options"`
	Args             map[string]any    `json:"args"`
	Credentials      map[string]string `json:"credentials"`
	Store            map[string]string `json:"store"`
	SignatureRefuses []string          `json:"signature_refuses"`
	Expect           map[string]any    `json:"expect"`
	Env              map[string]string `json:"env"`
	Answer           string            `json:"answer"`
}

// goTypesRefuse says whether a case hands a value Go's declared types cannot hold (a path or
// header value that is not a string, a clock that is not a function): such a call cannot be
// written in Go; the compiler refuses it before anything runs, as PHP's strict types do.
func goTypesRefuse(c securityCase) bool {
	if _, given := c.Options["clock"]; given {
		return true
	}
	if path, given := c.Args["path"]; given {
		if _, ok := path.(string); !ok {
			return true
		}
	}
	headers, _ := c.Args["headers"].(map[string]any)
	for _, value := range headers {
		if _, ok := value.(string); !ok {
			return true
		}
	}
	return false
}

// closedPort is a loopback port where nothing listens (bound, then closed).
func closedPort(t testing.TB) string {
	socket, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := socket.Addr().String()
	_ = socket.Close()
	return address
}

// The RC_* variables a from_env case may set; every other one is unset for it.
var environmentNames = []string{"RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET", "RC_USERNAME", "RC_EXTENSION",
	"RC_PASSWORD", "RC_JWT", "RC_REDIRECT_URI", "RC_AUTH_CODE", "RC_CODE_VERIFIER", "RC_ACCESS_TOKEN", "RC_REFRESH_TOKEN"}

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
	Serialization struct {
		Cases []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
			Method string `json:"method"`
		} `json:"cases"`
	} `json:"serialization"`
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
	listenersOnce             sync.Once
	foreign, redirects, proxy *listener
)

// The proxy variables: every one not named by a case is unset while its client is made.
var proxyVariables = []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
	"ALL_PROXY", "no_proxy", "NO_PROXY"}

// withEnvironment runs do with every proxy variable unset but values, then restores them: the
// proxy is chosen when a client is made, so the environment matters only then.
func withEnvironment(values map[string]string, do func()) {
	saved := map[string]*string{}
	for _, name := range proxyVariables {
		if value, ok := os.LookupEnv(name); ok {
			saved[name] = &value
		} else {
			saved[name] = nil
		}
		_ = os.Unsetenv(name)
	}
	for name, value := range values {
		if _, known := saved[name]; !known {
			if old, ok := os.LookupEnv(name); ok {
				saved[name] = &old
			} else {
				saved[name] = nil
			}
		}
		_ = os.Setenv(name, value)
	}
	defer func() {
		for name, value := range saved {
			if value == nil {
				_ = os.Unsetenv(name)
			} else {
				_ = os.Setenv(name, *value)
			}
		}
	}()
	do()
}

// flood is a loopback listener answering every request with more than a client may hold (the
// response-size rows): declared (Content-Length: 4 MiB, and the bytes), endless (chunked, until
// the client hangs up or 30 s pass), gzip-bomb (64 KiB of gzip that inflate to 64 MiB).
type flood struct {
	host     string
	requests atomic.Int64
}

var (
	floodsMu sync.Mutex
	floods   = map[string]*flood{}
	bombOnce sync.Once
	bomb     []byte
)

func gzipBomb() []byte {
	bombOnce.Do(func() {
		var out bytes.Buffer
		writer, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		piece := bytes.Repeat([]byte("0"), 1<<20)
		for range 64 {
			_, _ = writer.Write(piece)
		}
		_ = writer.Close()
		bomb = out.Bytes()
	})
	return bomb
}

func floodOf(t testing.TB, kind string) *flood {
	floodsMu.Lock()
	defer floodsMu.Unlock()
	if f, ok := floods[kind]; ok {
		return f
	}
	socket, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &flood{host: socket.Addr().String()}
	piece := bytes.Repeat([]byte("0"), 65536)
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch kind {
		case "declared":
			w.Header().Set("Content-Length", strconv.Itoa(64*len(piece)))
			for range 64 {
				if _, err := w.Write(piece); err != nil {
					return
				}
			}
		case "endless":
			flusher, _ := w.(http.Flusher)
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) && r.Context().Err() == nil {
				if _, err := w.Write(piece); err != nil {
					return
				}
				flusher.Flush()
			}
		case "gzip-bomb":
			body := gzipBomb()
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		default:
			w.WriteHeader(500)
		}
	})}
	go func() { _ = server.Serve(socket) }() // serves until the test binary exits
	floods[kind] = f
	return f
}

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
		proxy = newListener(t, 502, `{"proxy": "no"}`)
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
	var answers *flood
	if probe.Platform == "answer" {
		answers = floodOf(t, probe.Answer)
		host = answers.host
	}
	_, port, _ := net.SplitHostPort(host)
	filled := strings.NewReplacer("{platform}", host, "{foreign}", foreign.host, "{remote}", "0.0.0.0:"+port,
		"{jwt}", env["RC_JWT"], "{closed}", closedPort(t), "{app_key}", env["RC_APP_KEY"], "{proxy}", proxy.host).Replace(string(raw))
	var c securityCase
	if err := json.Unmarshal([]byte(filled), &c); err != nil {
		return err
	}
	if slices.Contains(c.SignatureRefuses, "go") {
		if !goTypesRefuse(c) {
			return fmt.Errorf("signature_refuses names go, yet Go's types can hold every value of the case")
		}
		return nil
	}
	received := func() int64 {
		if c.Platform == "redirect" {
			return redirects.requests.Load()
		}
		if answers != nil {
			return answers.requests.Load()
		}
		_, connections := securityLocal.counts(t)
		return int64(connections)
	}
	ownCount := int64(1) // the counting request's own connection
	if c.Platform == "redirect" || answers != nil {
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
		switch name {
		case "allow_insecure_http":
			options = append(options, rcsdk.WithAllowInsecureHTTP(value.(bool)))
		case "max_retries":
			options = append(options, rcsdk.WithMaxRetries(int(value.(float64))))
		case "user_agent":
			options = append(options, rcsdk.WithUserAgent(value.(string)))
		case "proxy":
			options = append(options, rcsdk.WithProxy(value.(string)))
		case "max_response_bytes":
			options = append(options, rcsdk.WithMaxResponseBytes(int64(value.(float64))))
		default:
			return fmt.Errorf("no Go option for %s", name)
		}
	}
	appKey, appSecret := env["RC_APP_KEY"], env["RC_APP_SECRET"]
	if key, ok := c.Credentials["app_key"]; ok {
		appKey = key
	}
	if secret, ok := c.Credentials["app_secret"]; ok {
		appSecret = secret
	}
	ctx := context.Background()
	server := c.Server
	if server == "" {
		server = "http://" + host
	}
	// The platform's store, holding auth data before the action when the case says so.
	store := rcsdk.NewMemoryTokenStore()
	options = append(options, rcsdk.WithStore(store))
	if c.Store != nil {
		var data map[string]any
		switch c.Store["tokens"] {
		case "valid":
			data = validTokens()
		case "issued":
			other, err := rcsdk.New(env["RC_APP_KEY"], env["RC_APP_SECRET"], "http://"+host)
			if err != nil {
				return err
			}
			if _, err := other.Platform().LoginJWT(ctx, env["RC_JWT"]); err != nil {
				return err
			}
			data = other.Platform().GetAuthData()
		default:
			return fmt.Errorf("unknown store tokens %q", c.Store["tokens"])
		}
		delete(data, "origin") // saved without a binding, unless the case gives one
		delete(data, "app_key")
		for _, name := range []string{"origin", "app_key"} {
			if value, ok := c.Store[name]; ok {
				data[name] = value
			}
		}
		if err := store.Save(data); err != nil {
			return err
		}
	}
	storedBefore, _ := store.Load()
	foreignBefore := foreign.connections.Load() + foreign.requests.Load()
	proxiedBefore := proxy.requests.Load()
	before := received()
	err := func() error {
		arg := func(name string) string { s, _ := c.Args[name].(string); return s }
		if c.Action == "from_env" {
			for _, name := range environmentNames {
				t.Setenv(name, "")
			}
			variables, _ := c.Args["env"].(map[string]any)
			for name, value := range variables {
				t.Setenv(name, value.(string))
			}
			var sdk *rcsdk.SDK
			var err error
			withEnvironment(c.Env, func() { sdk, err = rcsdk.FromEnv(options...) })
			if err != nil || arg("then") != "login_jwt" {
				return err
			}
			_, err = sdk.Platform().LoginJWT(ctx, sdk.Settings.JWT)
			return err
		}
		var sdk *rcsdk.SDK
		var err error
		withEnvironment(c.Env, func() { sdk, err = rcsdk.New(appKey, appSecret, server, options...) })
		if err != nil {
			return err
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
		switch c.Action {
		case "construct":
			return nil
		case "login_jwt":
			_, err = platform.LoginJWT(ctx, arg("jwt"))
		case "login_auth_code":
			_, err = platform.LoginAuthCode(ctx, arg("code"))
		case "authorize_url":
			platform.AuthorizeURL(arg("redirect_uri"))
		case "read_extension":
			_, err = platform.ReadExtension(ctx)
		case "get":
			_, err = platform.Get(ctx, arg("path"), nil)
		case "file_store":
			_, err = rcsdk.NewFileTokenStore(arg("path"))
		case "set_auth_data":
			data := validTokens()
			binding, _ := c.Args["binding"].(map[string]any)
			for name, value := range binding {
				data[name] = value
			}
			err = platform.SetAuthData(data)
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
					headers[k] = fmt.Sprint(v)
				}
			}
			_, err = platform.Request(ctx, rcsdk.Call{Method: arg("method"), Path: arg("path"), Headers: headers})
		default:
			return fmt.Errorf("unknown action %s", c.Action)
		}
		return err
	}()
	after := received()
	if got := foreign.connections.Load() + foreign.requests.Load() - foreignBefore; got != 0 {
		return fmt.Errorf("the foreign host was reached %d times", got)
	}
	if expected, ok := c.Expect["proxy_requests"].(float64); ok && proxy.requests.Load()-proxiedBefore != int64(expected) {
		return fmt.Errorf("proxy requests %d, expected %v", proxy.requests.Load()-proxiedBefore, expected)
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
	storedAfter, _ := store.Load()
	switch expected := c.Expect["store"].(type) {
	case string: // "unchanged": the very data it held
		before, _ := json.Marshal(storedBefore)
		after, _ := json.Marshal(storedAfter)
		if expected != "unchanged" || string(before) != string(after) {
			return fmt.Errorf("the store changed: %s, expected %s (%s)", after, before, expected)
		}
	case map[string]any:
		if len(expected) == 0 && len(storedAfter) != 0 {
			return fmt.Errorf("the store holds %v, expected nothing", storedAfter)
		}
		for name, value := range expected {
			if storedAfter[name] != value {
				return fmt.Errorf("the store's %s is %v, expected %v", name, storedAfter[name], value)
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
// (WithAllowInsecureHTTP switches the plain-HTTP check off; a size limit above the answer),
// and a request that skips the proxy (WithProxy("")) and reaches the foreign host.
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
	// No proxy: the https server ({foreign}) is reached directly, and the proxy is not.
	direct := cases["proxy-option-for-https"]
	direct["options"].(map[string]any)["proxy"] = ""
	// A limit above the 4 MiB answer: it is read whole, no error.
	roomy := cases["response-too-large-declared"]
	roomy["options"] = map[string]any{"max_response_bytes": 8 << 20}
	for _, mutant := range []map[string]any{wrong, optedIn, direct, roomy} {
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
			for _, credential := range c.Credentials {
				redactor.Add(expand(credential))
			}
			for _, rotation := range c.Rotations {
				tokens := []string{}
				for _, token := range rotation {
					tokens = append(tokens, expand(token))
				}
				redactor.AddTokens(tokens...)
			}
			if c.Text != nil {
				if got, expected := redactor.Text(expand(*c.Text)), expand(c.Expect); got != expected {
					t.Errorf("%.200q, expected %.200q", got, expected)
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

// expand fills the redaction table's placeholders: {lone_surrogate} is its WTF-8 bytes (Go's
// strings are bytes, as PHP's are) and {X*N} is X repeated N times.
func expand(text string) string {
	text = strings.ReplaceAll(text, "{lone_surrogate}", "\xed\xa0\x80")
	return repeated.ReplaceAllStringFunc(text, func(match string) string {
		parts := repeated.FindStringSubmatch(match)
		n, _ := strconv.Atoi(parts[2])
		return strings.Repeat(parts[1], n)
	})
}

var repeated = regexp.MustCompile(`\{(.)\*(\d+)\}`)

// The placeholders are filled: a case whose text keeps one would test nothing.
func TestRedactionPlaceholdersAreFilled(t *testing.T) {
	if got := expand("x{a*3}y{lone_surrogate}"); got != "xaaay\xed\xa0\x80" {
		t.Errorf("%q", got)
	}
	filled := 0
	for _, c := range loadSecurity(t).Redaction.Cases {
		if c.Text != nil && expand(*c.Text) != *c.Text {
			filled++
		}
	}
	if filled < 5 {
		t.Errorf("only %d redaction cases with placeholders", filled)
	}
}

// serialization is the table's objects after a login of the local platform's app, made by
// FromEnv from an environment that sets every secret variable, and the secrets none of their
// serializations may show.
type serialization struct {
	objects map[string]any
	secrets []string
	failure error // an API error of the logged-in platform (the trace method)
}

func newSerialization(t *testing.T) *serialization {
	env := securityLocal.environment(t)
	extra := map[string]string{
		"RC_PASSWORD":      "password-in-the-environment",
		"RC_AUTH_CODE":     "auth-code-in-the-environment",
		"RC_CODE_VERIFIER": "code-verifier-in-the-environment-0123456789",
		"RC_ACCESS_TOKEN":  "access-token-in-the-environment",
		"RC_REFRESH_TOKEN": "refresh-token-in-the-environment",
	}
	for _, name := range []string{"RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET", "RC_JWT"} {
		t.Setenv(name, env[name])
	}
	for name, value := range extra {
		t.Setenv(name, value)
	}
	sdk, err := rcsdk.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	platform := sdk.Platform()
	var heard any
	platform.On(rcsdk.EventLoginSuccess, func(payload any) { heard = payload })
	token, err := platform.LoginJWT(context.Background(), sdk.Settings.JWT)
	if err != nil {
		t.Fatal(err)
	}
	_, failure := platform.Get(context.Background(), "/restapi/v1.0/no-such-resource", nil)
	if failure == nil {
		t.Fatal("the call of a missing resource succeeded")
	}
	data := platform.GetAuthData()["token"].(map[string]any)
	s := &serialization{
		objects: map[string]any{"sdk": sdk, "settings": sdk.Settings, "platform": platform, "token_info": token, "login_event": heard},
		secrets: []string{env["RC_APP_SECRET"], env["RC_JWT"], data["access_token"].(string), data["refresh_token"].(string),
			base64.StdEncoding.EncodeToString([]byte(env["RC_APP_KEY"] + ":" + env["RC_APP_SECRET"]))},
		failure: failure,
	}
	for _, value := range extra {
		s.secrets = append(s.secrets, value)
	}
	return s
}

// serialized is value serialized the table's way, each of Go's ways for it: json is
// json.Marshal; string is %v and %s; debug is %+v and %#v; export (Go has no pickle) is Go
// syntax (%#v) and JSON; spread is the struct a pointer points to (what a logger copying *x
// or walking it by reflection sees), printed %+v and %#v; trace is the error's Error(), %v,
// %+v and %#v, down its Unwrap chain. A refusal counts with its message.
func serialized(value any, method string) string {
	jsonOf := func(v any) string {
		text, err := json.Marshal(v)
		if err != nil {
			return "refused: " + err.Error()
		}
		return string(text)
	}
	var out []string
	switch method {
	case "json":
		out = append(out, jsonOf(value))
	case "string":
		out = append(out, fmt.Sprintf("%v", value), fmt.Sprintf("%s", value))
	case "debug":
		out = append(out, fmt.Sprintf("%+v", value), fmt.Sprintf("%#v", value))
	case "export":
		out = append(out, fmt.Sprintf("%#v", value), jsonOf(value))
	case "spread":
		inner := reflect.Indirect(reflect.ValueOf(value))
		out = append(out, fmt.Sprintf("%+v", inner), fmt.Sprintf("%#v", inner))
		if inner.CanInterface() {
			out = append(out, jsonOf(inner.Interface()))
		}
	case "trace":
		for err, _ := value.(error); err != nil; err = errors.Unwrap(err) {
			out = append(out, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	return strings.Join(out, "\n")
}

// The table's serialization cases (issue #20 point 10): no object's serialization shows a
// secret, as in Python, JavaScript and PHP.
func TestSerializationTable(t *testing.T) {
	s := newSerialization(t)
	cases := loadSecurity(t).Serialization.Cases
	if len(cases) < 25 {
		t.Fatalf("only %d serialization cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			value, ok := s.objects[c.Object]
			if !ok || value == nil {
				t.Fatalf("no object %q", c.Object)
			}
			if c.Method == "trace" {
				value = s.failure
			}
			text := serialized(value, c.Method)
			if text == "" {
				t.Fatalf("no serialization %q", c.Method)
			}
			for i, secret := range s.secrets {
				if strings.Contains(text, secret) {
					t.Errorf("secret %d shown", i)
				}
			}
		})
	}
}

// The serialization runner can fail: the auth data (made to show the tokens) and the settings'
// JWT read by its accessor show secrets.
func TestTheSerializationRunnerCanFail(t *testing.T) {
	s := newSerialization(t)
	sdk := s.objects["sdk"].(*rcsdk.SDK)
	for _, value := range []any{sdk.Platform().GetAuthData(), sdk.Settings.JWT} {
		text := serialized(value, "json")
		shown := false
		for _, secret := range s.secrets {
			shown = shown || strings.Contains(text, secret)
		}
		if !shown {
			t.Errorf("no secret found in %T", value)
		}
	}
}
