// The shared case table (generated/cases.json, from the spec), run by the Go client;
// tests/test_cases.py (Python), tests/js/cases.test.mjs (JavaScript) and
// tests/php/CasesTest.php (PHP) run the same table.
package tests

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"

	"rcsdk.local/rcsdk"
)

type caseTable struct {
	Now         float64           `json:"now"`
	Credentials map[string]string `json:"credentials"`
	Defaults    map[string]int    `json:"defaults"`
	AuthData    map[string]any    `json:"auth_data"`
	Cases       []tableCase       `json:"cases"`
}

type tableCase struct {
	Name            string             `json:"name"`
	Operation       string             `json:"operation"`
	Method          string             `json:"method"`
	Path            string             `json:"path"`
	Options         map[string]int     `json:"options"`
	Responses       []scriptedResponse `json:"responses"`
	Requests        [][2]string        `json:"requests"`
	Sleeps          []any              `json:"sleeps"`
	Outcome         string             `json:"outcome"`
	Is              []string           `json:"is"`
	Also            []string           `json:"also"`
	ErrorCodes      *[]string          `json:"error_codes"`
	Error           *string            `json:"error"`
	RetryAfter      *float64           `json:"retry_after"`
	AuthorizedAfter *bool              `json:"authorized_after"`
	ExpiresAt       *float64           `json:"expires_at"`
	Announced       []float64          `json:"announced"`
	// Advance moves the clock that many seconds after the auth data is set.
	Advance float64 `json:"advance"`
	// Callers: that many concurrent calls (goroutines), each of which must succeed.
	Callers int `json:"callers"`
}

// runCase runs one case; the error says how the client differed from the table.
func runCase(table *caseTable, c tableCase, t testing.TB) error {
	clock := &fakeClock{now: table.Now}
	server := newScripted(t, c.Responses)
	retries, ok := c.Options["max_retries"]
	if !ok {
		retries = table.Defaults["max_retries"]
	}
	// The waits it announced: EventRateLimitWait payloads and warning lines.
	var events []float64
	var lines []string
	var mu sync.Mutex
	logger := rcsdk.WithLogger(func(level, message string) {
		if level == "warning" {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, message)
		}
	})
	sdk, err := rcsdk.New(table.Credentials["app_key"], table.Credentials["app_secret"], server.URL,
		append(clock.options(), rcsdk.WithMaxRetries(retries), logger)...)
	if err != nil {
		return err
	}
	platform := sdk.Platform()
	platform.On(rcsdk.EventRateLimitWait, func(payload any) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, payload.(*rcsdk.Error).RetryAfter.Seconds())
	})
	ctx := context.Background()
	if c.Operation != "login" {
		if err := platform.SetAuthData(table.AuthData); err != nil {
			return err
		}
	}
	clock.mu.Lock()
	clock.now += c.Advance
	clock.mu.Unlock()
	switch {
	case c.Callers > 0:
		err = atOnce(c.Callers, func() error {
			_, err := platform.Request(ctx, rcsdk.Call{Method: c.Method, Path: c.Path})
			return err
		})
	case c.Operation == "login":
		_, err = platform.LoginJWT(ctx, table.Credentials["jwt"])
	case c.Operation == "refresh":
		_, err = platform.Refresh(ctx)
	default:
		call := rcsdk.Call{Method: c.Method, Path: c.Path}
		if c.Method == "POST" || c.Method == "PUT" || c.Method == "PATCH" {
			call.Body = map[string]any{}
		}
		_, err = platform.Request(ctx, call)
	}
	var failure *rcsdk.Error
	if c.Outcome == "ok" {
		if err != nil {
			return fmt.Errorf("unexpected error: %v", err)
		}
	} else {
		if !errors.As(err, &failure) {
			return fmt.Errorf("expected %s, got %v", c.Outcome, err)
		}
		if failure.Kind.Error() != c.Outcome {
			return fmt.Errorf("expected %s, got %s: %v", c.Outcome, failure.Kind, err)
		}
		for _, name := range append(append([]string{}, c.Is...), c.Also...) {
			if kind := rcsdk.Kinds[name]; kind == nil || !errors.Is(err, kind) {
				return fmt.Errorf("%s is not %s", failure.Kind, name)
			}
		}
	}
	if seen := server.requests(); !reflect.DeepEqual(seen, c.Requests) && !(len(seen) == 0 && len(c.Requests) == 0) {
		return fmt.Errorf("requests %v, expected %v", seen, c.Requests)
	}
	if len(clock.sleeps) != len(c.Sleeps) {
		return fmt.Errorf("sleeps %v, expected %v", clock.sleeps, c.Sleeps)
	}
	for i, expected := range c.Sleeps {
		got := clock.sleeps[i]
		switch e := expected.(type) {
		case []any:
			if got < e[0].(float64) || got > e[1].(float64) {
				return fmt.Errorf("sleep %d: %v outside %v", i, got, e)
			}
		case float64:
			if math.Abs(got-e) > 1e-6 {
				return fmt.Errorf("sleep %d: %v, expected %v", i, got, e)
			}
		}
	}
	if len(events) != len(c.Announced) || (len(events) > 0 && !reflect.DeepEqual(events, c.Announced)) {
		return fmt.Errorf("announced waits %v, expected %v", events, c.Announced)
	}
	if len(lines) != len(c.Announced) {
		return fmt.Errorf("warning lines %q, expected %d", lines, len(c.Announced))
	}
	if c.ErrorCodes != nil && !reflect.DeepEqual(failure.ErrorCodes, *c.ErrorCodes) && len(*c.ErrorCodes)+len(failure.ErrorCodes) > 0 {
		return fmt.Errorf("error codes %v, expected %v", failure.ErrorCodes, *c.ErrorCodes)
	}
	if c.Error != nil && failure.OAuthError != *c.Error {
		return fmt.Errorf("OAuth error %q, expected %q", failure.OAuthError, *c.Error)
	}
	if c.RetryAfter != nil && (!failure.HasRetryAfter || math.Abs(failure.RetryAfter.Seconds()-*c.RetryAfter) > 1e-6) {
		return fmt.Errorf("retry after %v, expected %v", failure.RetryAfter, *c.RetryAfter)
	}
	if c.AuthorizedAfter != nil && platform.IsAuthorized() != *c.AuthorizedAfter {
		return fmt.Errorf("authorized %v, expected %v", platform.IsAuthorized(), *c.AuthorizedAfter)
	}
	if c.ExpiresAt != nil {
		if at, _ := platform.GetAuthData()["expires_at"].(float64); math.Abs(at-*c.ExpiresAt) > 1e-6 {
			return fmt.Errorf("expires_at %v, expected %v", platform.GetAuthData()["expires_at"], *c.ExpiresAt)
		}
	}
	return nil
}

// atOnce runs call from callers goroutines released together, and returns the first error.
func atOnce(callers int, call func() error) error {
	start := make(chan struct{})
	failures := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			failures <- call()
		}()
	}
	close(start)
	wg.Wait()
	close(failures)
	for err := range failures {
		if err != nil {
			return err
		}
	}
	return nil
}

func loadCases(t testing.TB) *caseTable {
	var table caseTable
	readJSON(t, "generated/cases.json", &table)
	if len(table.Cases) < 100 {
		t.Fatalf("only %d cases", len(table.Cases))
	}
	return &table
}

func TestCases(t *testing.T) {
	table := loadCases(t)
	for _, c := range table.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if err := runCase(table, c, t); err != nil {
				t.Error(err)
			}
		})
	}
}

// The runner can fail: a case with a wrong outcome, a wrong sleep or a missing request fails.
func TestTheCaseRunnerCanFail(t *testing.T) {
	table := loadCases(t)
	for _, c := range table.Cases {
		if c.Name != "503 with Retry-After" {
			continue
		}
		wrongOutcome, wrongSleep, wrongRequests, wrongAnnounced := c, c, c, c
		wrongOutcome.Outcome = "RateLimitError"
		wrongSleep.Sleeps = []any{4.0}
		wrongRequests.Requests = c.Requests[:1]
		wrongAnnounced.Announced = []float64{4} // a 503's wait is never announced
		for _, mutant := range []tableCase{wrongOutcome, wrongSleep, wrongRequests, wrongAnnounced} {
			if runCase(table, mutant, t) == nil {
				t.Errorf("a mutated case passed: %+v", mutant)
			}
		}
		return
	}
	t.Fatal("no case named '503 with Retry-After'")
}
