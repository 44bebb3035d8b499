// One worker of the cross-process refresh storm (tests/test_go.py, bench/): a process with its
// own platform on a shared FileTokenStore (RC_STORE). Prints "ready", waits for "go" on stdin,
// makes RC_CALLS calls from RC_GOROUTINES goroutines each, and prints one JSON line: calls made,
// calls failed, refreshes it did.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"

	"rcsdk.local/rcsdk"
)

func main() {
	store, err := rcsdk.NewFileTokenStore(os.Getenv("RC_STORE"))
	if err != nil {
		panic(err)
	}
	sdk, err := rcsdk.New(os.Getenv("RC_APP_KEY"), os.Getenv("RC_APP_SECRET"), os.Getenv("RC_SERVER"), rcsdk.WithStore(store))
	if err != nil {
		panic(err)
	}
	platform := sdk.Platform()
	var mu sync.Mutex
	report := struct {
		Calls     int      `json:"calls"`
		Failed    int      `json:"failed"`
		Refreshes int      `json:"refreshes"`
		Errors    []string `json:"errors"`
	}{Errors: []string{}}
	platform.On(rcsdk.EventRefreshSuccess, func(any) {
		mu.Lock()
		report.Refreshes++
		mu.Unlock()
	})
	calls, goroutines := number("RC_CALLS"), number("RC_GOROUTINES")
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				_, err := platform.ReadExtension(context.Background())
				mu.Lock()
				report.Calls++
				if err != nil {
					report.Failed++
					report.Errors = append(report.Errors, err.Error())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	line, _ := json.Marshal(report)
	fmt.Println(string(line))
}

func number(name string) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return 1
}
