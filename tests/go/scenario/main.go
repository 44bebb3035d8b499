// One scenario per client operation, as tests/_scenarios.py has them for Python: run by the
// parity runner (tests/_parity.py) against a loopback replay of the operation's cassette.
// Usage: RC_SERVER=... scenario NAME (built by tests/_parity.py against a generated tree).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"rcsdk.local/rcsdk"
)

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
	jwt := func() error { _, err := p.LoginJWT(ctx, os.Getenv("RC_JWT")); return err }
	password := func(pw string) error {
		//lint:ignore SA1019 the parity runner covers the retired password grant too
		_, err := p.Authorize(ctx, os.Getenv("RC_USERNAME"), os.Getenv("RC_EXTENSION"), pw)
		return err
	}
	scenarios := map[string]func() error{
		"authorize": func() error { return password(os.Getenv("RC_PASSWORD")) },
		"login-jwt": jwt,
		"login-auth-code": func() error {
			request := p.AuthorizeURL(os.Getenv("RC_REDIRECT_URI"))
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
			_, err = p.LoginAuthCode(ctx, callback.Query().Get("code"), rcsdk.LoginAuthCodeOptions{RedirectURI: request.RedirectURI, CodeVerifier: request.CodeVerifier})
			return err
		},
		"refresh": func() error {
			if err := jwt(); err != nil {
				return err
			}
			_, err := p.Refresh(ctx)
			return err
		},
		"logout": func() error {
			if err := jwt(); err != nil {
				return err
			}
			return p.Logout(ctx)
		},
		"read-extension": func() error {
			if err := jwt(); err != nil {
				return err
			}
			_, err := p.ReadExtension(ctx)
			return err
		},
		// Not a cassette scenario: the auth data JSON across languages (tests/test_go.py). Reads
		// another language's GetAuthData from stdin, calls, refreshes, prints its own.
		"auth-data": func() error {
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
		},
		// Not cassette scenarios either: a session bound to its origin, across languages
		// (tests/test_php.py). store-login logs in into the FileTokenStore at RC_STORE;
		// store-use calls with it (another origin's session, when RC_SERVER is another server)
		// and prints the error's class and message.
		"store-login": func() error {
			if err := jwt(); err != nil {
				return err
			}
			return json.NewEncoder(os.Stdout).Encode(map[string]any{"ok": true})
		},
		"store-use": func() error {
			answer := map[string]any{"error": nil}
			if _, err := p.ReadExtension(ctx); err != nil {
				var failure *rcsdk.Error
				if !errors.As(err, &failure) {
					return err
				}
				answer = map[string]any{"error": failure.Kind.Error(), "message": failure.Message, "authorized": p.IsAuthorized()}
			}
			return json.NewEncoder(os.Stdout).Encode(answer)
		},
		"authorize-wrong-password": func() error {
			if err := password("not-the-password"); !errors.Is(err, rcsdk.ErrInvalidGrant) {
				return fmt.Errorf("a wrong password was accepted: %v", err)
			}
			return nil
		},
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
