// The black-box attack program for the Go module (tests/test_blackbox.py): the same ops as
// attacks.py, built outside the checkout in a module that requires rcsdk.local/rcsdk through a
// replace directive, public API only. One attack per line on stdin (JSON), one JSON line per
// attack on stdout; the harness judges. A panic is reported as an untyped error (a crash).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"rcsdk.local/rcsdk"
)

var proxyVariables = []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}

type creds struct {
	AppKey    string `json:"app_key"`
	AppSecret string `json:"app_secret"`
	JWT       string `json:"jwt"`
}

type attack struct {
	Op        string            `json:"op"`
	Row       row               `json:"row"`
	Creds     creds             `json:"creds"`
	Platform  string            `json:"platform"`
	Server    string            `json:"server"`
	Path      string            `json:"path"`
	Env       map[string]string `json:"env"`
	Cases     []serialization   `json:"cases"`
	AppSecret string            `json:"app_secret"`
	JWT       string            `json:"jwt"`
}

type row struct {
	ID          string            `json:"id"`
	Server      string            `json:"server"`
	Options     map[string]any    `json:"options"`
	Tokens      string            `json:"tokens"`
	Action      string            `json:"action"`
	Args        map[string]any    `json:"args"`
	Env         map[string]string `json:"env"`
	Credentials map[string]string `json:"credentials"`
	Store       map[string]string `json:"store"`
	Expect      map[string]any    `json:"expect"`
}

type serialization struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Method string `json:"method"`
}

type outcome struct {
	Error any      `json:"error"`
	Typed bool     `json:"typed"`
	Texts []string `json:"texts,omitempty"`
}

var repeated = regexp.MustCompile(`\{(.)\*(\d+)\}`)

func expand(text string) string {
	text = strings.ReplaceAll(text, "{lone_surrogate}", "\xed\xa0\x80")
	return repeated.ReplaceAllStringFunc(text, func(m string) string {
		parts := repeated.FindStringSubmatch(m)
		n, _ := strconv.Atoi(parts[2])
		return strings.Repeat(parts[1], n)
	})
}

// run is what call did: nothing, or its error's kind, whether it is an *rcsdk.Error, and every
// string form of it down its Unwrap chain; a panic is an untyped error.
func run(call func() error) (result outcome) {
	defer func() {
		if recovered := recover(); recovered != nil {
			result = outcome{Error: "panic", Texts: []string{fmt.Sprint(recovered)}}
		}
	}()
	err := call()
	if err == nil {
		return outcome{Error: nil}
	}
	var failure *rcsdk.Error
	result = outcome{Error: fmt.Sprintf("%T", err)}
	if errors.As(err, &failure) {
		result = outcome{Error: failure.Kind.Error(), Typed: true}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		result.Texts = append(result.Texts, e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
	}
	if text, err := json.Marshal(err); err == nil {
		result.Texts = append(result.Texts, string(text))
	}
	return result
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
		"expires_at": far, "refresh_token_expires_at": far,
	}
}

// withEnvironment runs make with every proxy variable unset but values (the proxy is chosen then).
func withEnvironment(values map[string]string, make func()) {
	saved := map[string]*string{}
	for _, name := range proxyVariables {
		if value, ok := os.LookupEnv(name); ok {
			saved[name] = &value
		}
		os.Unsetenv(name)
	}
	for name, value := range values {
		os.Setenv(name, value)
	}
	defer func() {
		for _, name := range proxyVariables {
			os.Unsetenv(name)
			if value := saved[name]; value != nil {
				os.Setenv(name, *value)
			}
		}
	}()
	make()
}

func doRow(a attack) any {
	c, ctx := a.Row, context.Background()
	options := []rcsdk.Option{rcsdk.WithLogger(func(level, message string) {})}
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
		}
	}
	var store *rcsdk.MemoryTokenStore
	var held map[string]any
	if _, expected := c.Expect["store"]; c.Store != nil || expected {
		store = rcsdk.NewMemoryTokenStore()
		options = append(options, rcsdk.WithStore(store))
	}
	if c.Store != nil {
		data := validTokens()
		if c.Store["tokens"] == "issued" {
			other, err := rcsdk.New(a.Creds.AppKey, a.Creds.AppSecret, a.Platform)
			if err == nil {
				_, err = other.Platform().LoginJWT(ctx, a.Creds.JWT)
			}
			if err != nil {
				return map[string]any{"outcome": run(func() error { return err })}
			}
			data = other.Platform().GetAuthData()
		}
		delete(data, "origin")
		delete(data, "app_key")
		for _, name := range []string{"origin", "app_key"} {
			if value, ok := c.Store[name]; ok {
				data[name] = value
			}
		}
		if err := store.Save(data); err != nil {
			return map[string]any{"outcome": run(func() error { return err })}
		}
		held, _ = store.Load()
	}
	appKey, appSecret, server := a.Creds.AppKey, a.Creds.AppSecret, a.Platform
	if key, ok := c.Credentials["app_key"]; ok {
		appKey = key
	}
	if secret, ok := c.Credentials["app_secret"]; ok {
		appSecret = secret
	}
	if c.Server != "" {
		server = c.Server
	}
	arg := func(name string) string { s, _ := c.Args[name].(string); return s }
	result := run(func() error {
		if c.Action == "from_env" {
			return fromEnv(c)
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
			if _, err := platform.LoginJWT(ctx, a.Creds.JWT); err != nil {
				return err
			}
		}
		switch c.Action {
		case "construct":
		case "login_jwt":
			_, err = platform.LoginJWT(ctx, arg("jwt"))
		case "login_auth_code":
			_, err = platform.LoginAuthCode(ctx, arg("code"))
		case "read_extension":
			_, err = platform.ReadExtension(ctx)
		case "get":
			_, err = platform.Get(ctx, arg("path"), nil)
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
	})
	answer := map[string]any{"outcome": result, "held": held, "store": nil}
	if store != nil {
		answer["store"], _ = store.Load()
	}
	return answer
}

// fromEnv is RCSDK.from_env of the row's variables (the process's environment, in Go), then the
// row's next call with the settings' JWT.
func fromEnv(c row) error {
	for _, pair := range os.Environ() {
		if name, _, _ := strings.Cut(pair, "="); strings.HasPrefix(name, "RC_") {
			os.Unsetenv(name)
		}
	}
	variables, _ := c.Args["env"].(map[string]any)
	for name, value := range variables {
		os.Setenv(name, fmt.Sprint(value))
		defer os.Unsetenv(name)
	}
	sdk, err := rcsdk.FromEnv()
	if err != nil || c.Args["then"] != "login_jwt" {
		return err
	}
	_, err = sdk.Platform().LoginJWT(context.Background(), sdk.Settings.JWT)
	return err
}

func filePlatform(a attack) (*rcsdk.Platform, error) {
	store, err := rcsdk.NewFileTokenStore(a.Path)
	if err != nil {
		return nil, err
	}
	sdk, err := rcsdk.New(a.Creds.AppKey, a.Creds.AppSecret, a.Server, rcsdk.WithStore(store))
	if err != nil {
		return nil, err
	}
	return sdk.Platform(), nil
}

func fileLogin(a attack) any {
	return map[string]any{"outcome": run(func() error {
		platform, err := filePlatform(a)
		if err == nil {
			_, err = platform.LoginJWT(context.Background(), a.Creds.JWT)
		}
		return err
	})}
}

func fileUse(a attack) any {
	return map[string]any{"outcome": run(func() error {
		platform, err := filePlatform(a)
		if err == nil {
			_, err = platform.ReadExtension(context.Background())
		}
		return err
	})}
}

func fifo(a attack) any {
	var platform *rcsdk.Platform
	outcomes := []outcome{run(func() (err error) { platform, err = filePlatform(a); return err })}
	if platform != nil {
		outcomes = append(outcomes, run(func() error { platform.IsAuthorized(); return nil }))
		outcomes = append(outcomes, run(func() error { _, err := platform.LoginJWT(context.Background(), a.Creds.JWT); return err }))
	}
	return map[string]any{"outcomes": outcomes}
}

// serialized is value serialized the table's way, each of Go's ways (as tests/go/security_test.go).
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

func serialize(a attack) any {
	for name, value := range a.Env {
		os.Setenv(name, value)
	}
	sdk, err := rcsdk.FromEnv()
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	platform := sdk.Platform()
	var heard any
	platform.On(rcsdk.EventLoginSuccess, func(payload any) { heard = payload })
	token, err := platform.LoginJWT(context.Background(), sdk.Settings.JWT)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	_, failure := platform.Get(context.Background(), "/restapi/v1.0/no-such-resource", nil)
	data := platform.GetAuthData()["token"].(map[string]any)
	objects := map[string]any{"sdk": sdk, "settings": sdk.Settings, "platform": platform, "token_info": token, "login_event": heard}
	texts := map[string]string{}
	for _, c := range a.Cases {
		value := objects[c.Object]
		if c.Method == "trace" {
			value = failure
		}
		texts[c.ID] = serialized(value, c.Method)
	}
	return map[string]any{"texts": texts, "tokens": []any{data["access_token"], data["refresh_token"]}}
}

func poison(a attack) any {
	var platform *rcsdk.Platform
	ctx := context.Background()
	outcomes := []outcome{run(func() error {
		sdk, err := rcsdk.New(a.Creds.AppKey, expand(a.AppSecret), a.Server)
		if err == nil {
			platform = sdk.Platform()
		}
		return err
	})}
	if platform != nil {
		outcomes = append(outcomes,
			run(func() error { _, err := platform.LoginJWT(ctx, expand(a.JWT)); return err }),
			run(func() error { _, err := platform.LoginJWT(ctx, a.Creds.JWT); return err }),
			run(func() error { _, err := platform.Get(ctx, "/restapi/v1.0/no-such-resource", nil); return err }))
	}
	return map[string]any{"outcomes": outcomes}
}

func main() {
	ops := map[string]func(attack) any{
		"row": doRow, "file_login": fileLogin, "file_use": fileUse, "fifo": fifo, "serialize": serialize, "poison": poison,
	}
	out := bufio.NewWriter(os.Stdout)
	emit := func(v any) {
		text, _ := json.Marshal(v)
		out.Write(append(text, '\n'))
		out.Flush()
	}
	// The folder the rcsdk module was built from: the replace directive's target.
	module := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "rcsdk.local/rcsdk" && dep.Replace != nil {
				module = dep.Replace.Path
			}
		}
	}
	emit(map[string]any{"hello": "go", "package": module, "version": rcsdk.Version})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		var a attack
		if err := json.Unmarshal(in.Bytes(), &a); err != nil {
			emit(map[string]any{"error": err.Error()})
			continue
		}
		emit(ops[a.Op](a))
	}
}
