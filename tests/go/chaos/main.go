// A Go worker of the chaos run (tests/test_chaos.py): 4 goroutines call the API until
// RC_CONTROL/stop exists, one outcome per line in RC_RESULTS ("ok", or "error <class> <1 if an
// *rcsdk.Error>"), on a FileTokenStore (RC_STORE) that the test steers through files in
// RC_CONTROL, as the Python workers' ChaosStore: `fail-writes` makes saves fail, `die-at-save`
// kills (SIGKILL) the first process about to save refreshed tokens.
// With the argument "after": one call with what the store holds, printing the extension id.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"rcsdk.local/rcsdk"
)

type chaosStore struct {
	*rcsdk.FileTokenStore
	control string
}

func (c chaosStore) Save(data map[string]any) error {
	if _, err := os.Stat(filepath.Join(c.control, "fail-writes")); err == nil {
		return errors.New("could not write the token store: read-only file system")
	}
	if os.Remove(filepath.Join(c.control, "die-at-save")) == nil {
		// The platform has rotated the tokens; they die with this process.
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return c.FileTokenStore.Save(data)
}

func main() {
	file, err := rcsdk.NewFileTokenStore(os.Getenv("RC_STORE"))
	if err != nil {
		panic(err)
	}
	var store rcsdk.TokenStore = chaosStore{file, os.Getenv("RC_CONTROL")}
	if len(os.Args) > 1 && os.Args[1] == "after" {
		store = file
	}
	sdk, err := rcsdk.New(os.Getenv("RC_APP_KEY"), os.Getenv("RC_APP_SECRET"), os.Getenv("RC_SERVER"), rcsdk.WithStore(store))
	if err != nil {
		panic(err)
	}
	platform := sdk.Platform()
	if len(os.Args) > 1 && os.Args[1] == "after" {
		extension, err := platform.ReadExtension(context.Background())
		if err != nil {
			panic(err)
		}
		fmt.Println(extension.ID)
		return
	}
	out, err := os.OpenFile(os.Getenv("RC_RESULTS"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		panic(err)
	}
	stop := filepath.Join(os.Getenv("RC_CONTROL"), "stop")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := os.Stat(stop); err == nil {
					return
				}
				line := "ok"
				if _, err := platform.ReadExtension(context.Background()); err != nil {
					var failure *rcsdk.Error
					if errors.As(err, &failure) { // recorded: the test asserts every failure is typed
						line = fmt.Sprintf("error %s 1", failure.Kind)
					} else {
						line = fmt.Sprintf("error %T 0", err)
					}
				}
				mu.Lock()
				_, _ = out.WriteString(line + "\n")
				mu.Unlock()
				if line != "ok" {
					time.Sleep(5 * time.Millisecond) // pace a goroutine whose calls fail at once
				}
			}
		}()
	}
	wg.Wait()
}
