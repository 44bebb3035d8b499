// Command firstuse is a user's first Go program, with no logging set up, for the tests of what
// a person sees on stderr (tests/test_default_server.py, tests/test_long_waits.py):
//
//	firstuse from-env     FromEnv, then prints the platform's server
//	firstuse login URL    logs in with a JWT at URL, then prints "logged in"
package main

import (
	"context"
	"fmt"
	"os"

	"rcsdk.local/rcsdk"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 2 && args[0] == "login" {
		sdk, err := rcsdk.New("app-key", "app-secret", args[1])
		if err != nil {
			return err
		}
		if _, err := sdk.Platform().LoginJWT(context.Background(), "JWT"); err != nil {
			return err
		}
		fmt.Println("logged in")
		return nil
	}
	if len(args) == 1 && args[0] == "from-env" {
		sdk, err := rcsdk.FromEnv()
		if err != nil {
			return err
		}
		fmt.Println(sdk.Platform().Server())
		return nil
	}
	return fmt.Errorf("usage: firstuse from-env | firstuse login URL")
}
