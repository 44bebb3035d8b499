// A Go worker of a mixed fleet on one Redis key (tests/test_redis_mixed.py, tests/_mixed.py):
// RC_CALLERS goroutines call the API for RC_DURATION seconds through RedisTokenStore (RC_REDIS,
// RC_KEY, RC_LEASE) against the local platform (RC_SERVER, RC_APP_KEY, RC_APP_SECRET). Never
// logs in: it uses the session the store holds. Prints "ready", waits for a line, then one JSON
// line: calls, failed calls, the first five errors, refreshes, refresh errors, logouts and the
// auth data it ends with (the twin of tests/js/redis_worker.mjs).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"rcsdk.local/rcsdk"
	"rcsdk.local/rcsdk/redis"
)

func main() {
	lease := seconds("RC_LEASE", 2)
	store, err := redis.NewRedisTokenStore(os.Getenv("RC_KEY"), redis.WithURL(os.Getenv("RC_REDIS")), redis.WithLease(lease))
	if err != nil {
		panic(err)
	}
	defer store.Close()
	// The pid in the User-Agent: the chaos test's platform signals the sender of a refresh.
	sdk, err := rcsdk.New(os.Getenv("RC_APP_KEY"), os.Getenv("RC_APP_SECRET"), os.Getenv("RC_SERVER"),
		rcsdk.WithStore(store), rcsdk.WithRefreshMargin(500*time.Millisecond),
		rcsdk.WithUserAgent(fmt.Sprintf("fleet-worker/%d", os.Getpid())))
	if err != nil {
		panic(err)
	}
	platform := sdk.Platform()
	var mu sync.Mutex
	report := struct {
		Language      string         `json:"language"`
		Calls         int            `json:"calls"`
		Failed        int            `json:"failed"`
		Errors        []string       `json:"errors"`
		Failures      [][2]any       `json:"failures"` // every failed call: [epoch seconds, error]
		Refreshes     int            `json:"refreshes"`
		RefreshErrors int            `json:"refreshErrors"`
		Violations    int            `json:"violations"`
		Auth          map[string]any `json:"auth"`
	}{Language: "go", Errors: []string{}, Failures: [][2]any{}}
	count := func(field *int) rcsdk.Listener {
		return func(any) {
			mu.Lock()
			*field++
			mu.Unlock()
		}
	}
	platform.On(rcsdk.EventRefreshSuccess, count(&report.Refreshes))
	platform.On(rcsdk.EventRefreshError, count(&report.RefreshErrors))
	platform.On(rcsdk.EventAccessViolation, count(&report.Violations))

	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	deadline := time.Now().Add(seconds("RC_DURATION", 5))
	var wg sync.WaitGroup
	callers, err := strconv.Atoi(os.Getenv("RC_CALLERS"))
	if err != nil || callers < 1 {
		callers = 2
	}
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				_, err := platform.ReadExtension(context.Background())
				var failure *rcsdk.Error
				if err != nil && !errors.As(err, &failure) {
					fmt.Fprintln(os.Stderr, "not an rcsdk error:", err)
					os.Exit(1)
				}
				mu.Lock()
				if err == nil {
					report.Calls++
				} else {
					report.Failed++
					text := failure.Kind.Error() + ": " + err.Error()
					now := float64(time.Now().UnixNano()) / 1e9
					report.Failures = append(report.Failures, [2]any{now, text})
					if len(report.Errors) < 5 {
						report.Errors = append(report.Errors, text)
					}
				}
				mu.Unlock()
				time.Sleep(50 * time.Millisecond) // pacing of the load
			}
		}()
	}
	wg.Wait()
	report.Auth = platform.GetAuthData()
	line, _ := json.Marshal(report)
	fmt.Println(string(line))
}

// seconds reads a number of seconds from the environment.
func seconds(name string, fallback float64) time.Duration {
	value, err := strconv.ParseFloat(os.Getenv(name), 64)
	if err != nil || value <= 0 {
		value = fallback
	}
	return time.Duration(value * float64(time.Second))
}
