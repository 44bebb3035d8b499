// One scenario per operation, from generated/scenarios.json (made from the spec's `kind` and
// `after:`), as tests/_scenarios.py runs them for Python: run by the parity runner
// (tests/_parity.py) against a loopback replay of the operation's cassette. Each step calls the
// Platform method the file names for Go, with the arguments its variables give, so an operation
// added to the spec needs no edit here.
// Usage: RC_SERVER=... scenario NAME [scenarios.json] (built by tests/_parity.py against a
// generated tree, with that tree's scenarios.json beside the program).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"rcsdk.local/rcsdk"
)

// scenario is one of generated/scenarios.json: its steps, in order.
type scenario struct {
	Name  string `json:"name"`
	Steps []struct {
		Kind      string `json:"kind"`
		Go        string `json:"go"`
		Arguments []struct {
			Name       string `json:"name"`
			Env        string `json:"env"`
			Positional bool   `json:"positional"`
			Go         string `json:"go"` // the field of the options struct
		} `json:"arguments"`
	} `json:"steps"`
}

var (
	contextType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errorType   = reflect.TypeOf((*error)(nil)).Elem()
)

// run runs the steps of s, each with the arguments its variables give (values) or the browser
// step before it handed on.
func run(ctx context.Context, p *rcsdk.Platform, s scenario, values func(string) (string, bool)) error {
	handed := map[string]string{}
	for _, step := range s.Steps {
		method := reflect.ValueOf(p).MethodByName(step.Go)
		if !method.IsValid() {
			return fmt.Errorf("no method Platform.%s", step.Go)
		}
		signature := method.Type()
		args := []reflect.Value{}
		if signature.NumIn() > 0 && signature.In(0) == contextType {
			args = append(args, reflect.ValueOf(ctx))
		}
		var options reflect.Value
		optionsSet := false
		if signature.IsVariadic() {
			options = reflect.New(signature.In(signature.NumIn() - 1).Elem()).Elem()
		}
		for _, arg := range step.Arguments {
			value, ok := handed[arg.Name]
			if !ok {
				value, ok = values(arg.Env)
			}
			if !ok {
				continue
			}
			if arg.Positional {
				if len(args) >= signature.NumIn() || signature.In(len(args)).Kind() != reflect.String {
					return fmt.Errorf("method %s takes no string argument %s here", step.Go, arg.Name)
				}
				args = append(args, reflect.ValueOf(value).Convert(signature.In(len(args))))
				continue
			}
			option := reflect.Value{}
			if options.IsValid() {
				option = options.FieldByName(arg.Go)
			}
			if !option.IsValid() || option.Kind() != reflect.String {
				return fmt.Errorf("method %s has no string option %s", step.Go, arg.Go)
			}
			option.SetString(value)
			optionsSet = true
		}
		if optionsSet {
			args = append(args, options)
		}
		results := method.Call(args)
		if last := results[len(results)-1]; last.Type() == errorType && !last.IsNil() {
			return last.Interface().(error)
		}
		switch step.Kind {
		case "browser":
			request := results[0].Interface().(*rcsdk.AuthorizationRequest)
			// The browser's part: the platform redirects at once, with the code.
			browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			answer, err := browser.Get(request.URL)
			if err != nil {
				return err
			}
			answer.Body.Close()
			callback, err := url.Parse(answer.Header.Get("Location"))
			if err != nil {
				return err
			}
			handed = map[string]string{
				"code":          callback.Query().Get("code"),
				"code_verifier": request.CodeVerifier,
				"redirect_uri":  request.RedirectURI,
			}
		case "revoke":
			p.IsAuthorized()
		}
	}
	return nil
}

// load reads the scenarios: the file given, else the scenarios.json beside the program.
func load() (map[string]scenario, error) {
	path := ""
	if len(os.Args) > 2 {
		path = os.Args[2]
	} else {
		program, err := os.Executable()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(filepath.Dir(program), "scenarios.json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Scenarios []scenario `json:"scenarios"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]scenario{}
	for _, s := range file.Scenarios {
		out[s.Name] = s
	}
	return out, nil
}

func main() {
	ctx := context.Background()
	options := []rcsdk.Option{rcsdk.WithMaxRetries(0)}
	if path := os.Getenv("RC_STORE"); path != "" {
		store, err := rcsdk.NewFileTokenStore(path)
		if err != nil {
			fail(err)
		}
		options = append(options, rcsdk.WithStore(store))
	}
	sdk, err := rcsdk.New(os.Getenv("RC_APP_KEY"), os.Getenv("RC_APP_SECRET"), os.Getenv("RC_SERVER"), options...)
	if err != nil {
		fail(err)
	}
	p := sdk.Platform()
	generated, err := load()
	if err != nil {
		fail(err)
	}
	scenarios := map[string]func() error{}
	for name, s := range generated {
		scenarios[name] = func() error { return run(ctx, p, s, os.LookupEnv) }
	}
	jwt := scenarios["login-jwt"]
	// Written by hand here, as in the Python, JavaScript and PHP runners: the error case.
	scenarios["authorize-wrong-password"] = func() error {
		wrong := func(name string) (string, bool) {
			if name == "RC_PASSWORD" {
				return "not-the-password", true
			}
			return os.LookupEnv(name)
		}
		if err := run(ctx, p, generated["authorize"], wrong); !errors.Is(err, rcsdk.ErrInvalidGrant) {
			return fmt.Errorf("a wrong password was accepted: %v", err)
		}
		return nil
	}
	// Not a cassette scenario: the auth data JSON across languages (tests/test_go.py). Reads
	// another language's GetAuthData from stdin, calls, refreshes, prints its own.
	scenarios["auth-data"] = func() error {
		var data map[string]any
		if err := json.NewDecoder(os.Stdin).Decode(&data); err != nil {
			return err
		}
		if err := p.SetAuthData(data); err != nil {
			return err
		}
		if _, err := p.ReadExtension(ctx); err != nil {
			return err
		}
		if _, err := p.Refresh(ctx); err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(p.GetAuthData())
	}
	// Not cassette scenarios either: a session bound to its origin, across languages
	// (tests/test_php.py). store-login logs in into the FileTokenStore at RC_STORE; store-use
	// calls with it (another origin's session, when RC_SERVER is another server) and prints the
	// error's class and message.
	scenarios["store-login"] = func() error {
		if err := jwt(); err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"ok": true})
	}
	scenarios["store-use"] = func() error {
		answer := map[string]any{"error": nil}
		if _, err := p.ReadExtension(ctx); err != nil {
			var failure *rcsdk.Error
			if !errors.As(err, &failure) {
				return err
			}
			answer = map[string]any{"error": failure.Kind.Error(), "message": failure.Message, "authorized": p.IsAuthorized()}
		}
		return json.NewEncoder(os.Stdout).Encode(answer)
	}
	name := ""
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	scenario, ok := scenarios[name]
	if !ok {
		known := []string{}
		for key := range scenarios {
			known = append(known, key)
		}
		sort.Strings(known)
		fmt.Fprintf(os.Stderr, "unknown scenario %s; known: %s\n", name, strings.Join(known, ", "))
		os.Exit(2)
	}
	if err := scenario(); err != nil {
		fail(err)
	}
	if name != "auth-data" && !strings.HasPrefix(name, "store-") {
		fmt.Println("ok")
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
