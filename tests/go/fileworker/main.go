// A long-lived Go worker of the mixed file-store race (tests/test_file_mixed.py), the twin of
// tests/js/file_worker.mjs: for each line "go <offset>" it moves its clock to now + offset
// seconds (the platform's clock moves with it), makes one call through the FileTokenStore
// RC_STORE, and prints one JSON line. Two more modes for that file's lock tests:
// "hold <store>" takes the store's lock, prints "held" and keeps it until killed;
// "acquire <store>.lock.owner" tries the lock for 0.3 s and prints true or false.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"rcsdk.local/rcsdk"
)

func main() {
	if len(os.Args) == 3 {
		lock(os.Args[1], os.Args[2])
		return
	}
	store, err := rcsdk.NewFileTokenStore(os.Getenv("RC_STORE"))
	if err != nil {
		panic(err)
	}
	var mu sync.Mutex
	offset := 0.0
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(time.Duration(offset * float64(time.Second)))
	}
	sdk, err := rcsdk.New(os.Getenv("RC_APP_KEY"), os.Getenv("RC_APP_SECRET"), os.Getenv("RC_SERVER"),
		rcsdk.WithStore(store), rcsdk.WithClock(clock))
	if err != nil {
		panic(err)
	}
	platform := sdk.Platform()
	refreshes := 0
	platform.On(rcsdk.EventRefreshSuccess, func(any) { refreshes++ })
	fmt.Println("ready")
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) != 2 {
			continue
		}
		value, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			panic(err)
		}
		mu.Lock()
		offset = value
		mu.Unlock()
		var failure *string
		if _, err := platform.ReadExtension(context.Background()); err != nil {
			var typed *rcsdk.Error
			if !errors.As(err, &typed) {
				panic(err)
			}
			text := typed.Kind.Error() + ": " + err.Error()
			failure = &text
		}
		line, _ := json.Marshal(map[string]any{"language": "go", "error": failure, "refreshes": refreshes})
		fmt.Println(string(line))
	}
}

// lock is the lock tests' modes.
func lock(mode, path string) {
	store, err := rcsdk.NewFileTokenStore(strings.TrimSuffix(path, ".lock.owner"))
	if err != nil {
		panic(err)
	}
	switch mode {
	case "hold":
		if _, err := store.Lock(context.Background()); err != nil {
			panic(err)
		}
		fmt.Println("held")
		select {}
	case "acquire":
		store.LockTimeout = 300 * time.Millisecond
		unlock, err := store.Lock(context.Background())
		if err != nil && !strings.Contains(err.Error(), "timed out") {
			panic(err)
		}
		if unlock != nil {
			unlock()
		}
		fmt.Println(err == nil)
	default:
		panic("unknown mode " + mode)
	}
}
