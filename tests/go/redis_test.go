// RedisTokenStore for Go (generated/go/redis, the module rcsdk.local/rcsdk/redis) against a
// real redis-server this file starts on loopback: the protocol's shared table
// (tests/cases/store.json, run by Python, Node and PHP too), and the platform on it: many
// platforms on one key refresh once, a key Redis lost is written back from the tokens in
// memory without ending the session, and with Redis down a valid access token still serves
// calls. Go-only beyond the table: what is tested here is the binding to go-redis (its replies,
// the embedded scripts) and Go's platform on a fenced store; Python, Node, PHP and Go workers on
// one key run together in tests/test_redis_mixed.py and tests/test_redis_chaos.py.
package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"rcsdk.local/rcsdk"
	"rcsdk.local/rcsdk/redis"
)

// redisServer is a redis-server of our own on a free loopback port, no persistence.
type redisServer struct {
	port int
	cmd  *exec.Cmd
}

func (r *redisServer) up(t testing.TB) {
	t.Helper()
	if r.port == 0 {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.port = listener.Addr().(*net.TCPAddr).Port
		listener.Close()
	}
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("redis-server (make system installs it): %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if conn, err := net.Dial("tcp", r.address()); err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisServer) down() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
}

func (r *redisServer) address() string { return "127.0.0.1:" + strconv.Itoa(r.port) }
func (r *redisServer) url() string     { return "redis://" + r.address() + "/0" }

// sharedRedis serves the tests that do not stop Redis (started once, stopped by TestMain).
var sharedRedis struct {
	once   sync.Once
	server redisServer
	client *goredis.Client
}

func redisURL(t *testing.T) (string, *goredis.Client) {
	t.Helper()
	sharedRedis.once.Do(func() {
		sharedRedis.server.up(t)
		sharedRedis.client = goredis.NewClient(&goredis.Options{Addr: sharedRedis.server.address()})
	})
	if sharedRedis.client == nil {
		t.Fatal("redis-server did not start")
	}
	if err := sharedRedis.client.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return sharedRedis.server.url(), sharedRedis.client
}

func stopSharedRedis() {
	if sharedRedis.client != nil {
		sharedRedis.client.Close()
	}
	sharedRedis.server.down()
}

const redisKey = "rcsdk:go:user"

// redisLocal is a local platform of the Redis tests' own, without API rate limits: their
// refresh counts are theirs alone, and no other test's calls use up their budget.
var redisLocal = localPlatform{args: []string{"--no-api-rate-limits"}}

// redisPlatform is a platform of redisLocal's confidential app on store, with the test's clock
// (its sleeps are real: a retry waits as it would).
func redisPlatform(t *testing.T, clock *fakeClock, store rcsdk.TokenStore) *rcsdk.Platform {
	t.Helper()
	env := redisLocal.environment(t)
	sdk, err := rcsdk.New(env["RC_APP_KEY"], env["RC_APP_SECRET"], env["RC_SERVER"], clock.options()[0], rcsdk.WithStore(store))
	if err != nil {
		t.Fatal(err)
	}
	return sdk.Platform()
}

func newRedisStore(t *testing.T, url string, options ...redis.Option) *redis.RedisTokenStore {
	t.Helper()
	store, err := redis.NewRedisTokenStore(redisKey, append([]redis.Option{redis.WithURL(url)}, options...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func TestRedisStoreRunsTheProtocolsScripts(t *testing.T) {
	for _, name := range []string{"acquire", "load", "release", "renew", "save"} {
		shipped, err := os.ReadFile(filepath.Join(root, "generated", "store", name+".lua"))
		if err != nil {
			t.Fatal(err)
		}
		if embedded, err := redis.Script(name); err != nil || embedded != string(shipped) {
			t.Errorf("%s.lua: the embedded script is not the protocol's (%v)", name, err)
		}
	}
}

// sameJSON compares auth data as the JSON every language writes (numbers read back may have
// another Go type).
func sameJSON(a, b map[string]any) bool {
	left, _ := json.Marshal(a)
	right, _ := json.Marshal(b)
	return string(left) == string(right)
}

// storeTable is tests/cases/store.json.
type storeTable struct {
	Data  map[string]map[string]any `json:"data"`
	Cases []storeCase               `json:"cases"`
}

type storeCase struct {
	Name  string `json:"name"`
	Steps []struct {
		Op       string  `json:"op"`
		Data     *string `json:"data"`
		Expected *string `json:"expected"`
		Expect   struct {
			Written    *bool   `json:"written"`
			Data       *string `json:"data"`
			Generation *string `json:"generation"`
		} `json:"expect"`
	} `json:"steps"`
}

// runStoreCase runs one case on store and returns what differs from its expectations.
func runStoreCase(store *redis.RedisTokenStore, data map[string]map[string]any, c storeCase) []string {
	var problems []string
	bound := map[string]string{}
	for i, step := range c.Steps {
		var written *bool
		var held map[string]any
		var generation string
		var err error
		if step.Op == "load" {
			held, generation, err = store.LoadGeneration()
		} else {
			expected := "" // null: the key must not exist
			if step.Expected != nil {
				expected = *step.Expected
				if expected != rcsdk.AnyGeneration {
					expected = bound[expected]
				}
			}
			var saved map[string]any
			if step.Data != nil {
				saved = data[*step.Data]
			}
			var w bool
			w, held, generation, err = store.SaveIf(saved, expected)
			written = &w
		}
		if err != nil {
			return append(problems, fmt.Sprintf("step %d: %v", i, err))
		}
		want := step.Expect
		if want.Written != nil && (written == nil || *written != *want.Written) {
			problems = append(problems, fmt.Sprintf("step %d: written %v, expected %v", i, written != nil && *written, *want.Written))
		}
		var wantData map[string]any
		if want.Data != nil {
			wantData = data[*want.Data]
		}
		if (held == nil) != (wantData == nil) || !sameJSON(held, wantData) {
			problems = append(problems, fmt.Sprintf("step %d: holds %v, expected %v", i, held, wantData))
		}
		switch {
		case want.Generation == nil:
			if generation != "" {
				problems = append(problems, fmt.Sprintf("step %d: generation %q, expected none", i, generation))
			}
		case bound[*want.Generation] != "":
			if generation != bound[*want.Generation] {
				problems = append(problems, fmt.Sprintf("step %d: generation %q, expected %q", i, generation, bound[*want.Generation]))
			}
		default:
			n, err := strconv.ParseUint(generation, 10, 64)
			for _, g := range bound {
				if before, _ := strconv.ParseUint(g, 10, 64); err != nil || n <= before {
					problems = append(problems, fmt.Sprintf("step %d: generation %q is not above %q", i, generation, g))
				}
			}
			bound[*want.Generation] = generation
		}
	}
	return problems
}

// The shared table of the protocol (Python, Node and PHP run it too), and a deliberately wrong
// case (a stale writer's save expected to be written) that must fail.
func TestRedisStoreCases(t *testing.T) {
	var table storeTable
	readJSON(t, "tests/cases/store.json", &table)
	if len(table.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range table.Cases {
		t.Run(c.Name, func(t *testing.T) {
			url, client := redisURL(t)
			for _, problem := range runStoreCase(newRedisStore(t, url), table.Data, c) {
				t.Error(problem)
			}
			kind, _ := client.Type(context.Background(), redisKey).Result()
			saves := false
			for _, step := range c.Steps {
				saves = saves || step.Op == "save"
			}
			if (kind == "hash") != saves {
				t.Errorf("the key is a %q", kind)
			}
		})
	}
	t.Run("a wrong case fails", func(t *testing.T) {
		var mutated storeTable
		readJSON(t, "tests/cases/store.json", &mutated)
		for _, c := range mutated.Cases {
			for i, step := range c.Steps {
				if step.Expect.Written != nil && !*step.Expect.Written {
					yes := true
					c.Steps[i].Expect.Written = &yes
					url, _ := redisURL(t)
					if problems := runStoreCase(newRedisStore(t, url), mutated.Data, c); len(problems) == 0 {
						t.Errorf("%s: a refused save expected written passed", c.Name)
					}
					return
				}
			}
		}
		t.Fatal("no refused save in the table to mutate")
	})
}

func TestRedisStoreOptions(t *testing.T) {
	for name, options := range map[string][]redis.Option{
		"no client":     nil,
		"two clients":   {redis.WithURL("redis://127.0.0.1:1/0"), redis.WithURL("redis://127.0.0.1:1/0")},
		"a bad URL":     {redis.WithURL("http://user:secret-password@host/")},
		"a zero lease":  {redis.WithURL("redis://127.0.0.1:1/0"), redis.WithLease(0)},
		"a bad timeout": {redis.WithURL("redis://127.0.0.1:1/0"), redis.WithLockTimeout(-time.Second)},
	} {
		_, err := redis.NewRedisTokenStore(redisKey, options...)
		if !errors.Is(err, rcsdk.ErrTokenStore) {
			t.Errorf("%s: %v", name, err)
		} else if name == "a bad URL" && strings.Contains(err.Error(), "secret-password") {
			t.Errorf("the password is in the message: %v", err)
		}
	}
	store, err := redis.NewRedisTokenStore(redisKey, redis.WithURL("redis://127.0.0.1:1/0"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Load(); !errors.Is(err, rcsdk.ErrTokenStore) {
		t.Errorf("Redis unreachable: %v", err)
	}
}

// watch counts a platform's refresh errors and access violations.
func watch(platform *rcsdk.Platform) *[]string {
	var mu sync.Mutex
	seen := &[]string{}
	for _, event := range []rcsdk.Event{rcsdk.EventRefreshError, rcsdk.EventAccessViolation} {
		event := event
		platform.On(event, func(payload any) {
			mu.Lock()
			defer mu.Unlock()
			*seen = append(*seen, fmt.Sprintf("%s: %v", event, payload))
		})
	}
	return seen
}

func TestRedisPlatformsOnOneKeyRefreshOnce(t *testing.T) {
	url, _ := redisURL(t)
	clock := &fakeClock{now: float64(time.Now().Unix())}
	ctx := context.Background()
	var platforms []*rcsdk.Platform
	for i := 0; i < 4; i++ {
		platforms = append(platforms, redisPlatform(t, clock, newRedisStore(t, url)))
	}
	if _, err := platforms[0].LoginJWT(ctx, redisLocal.environment(t)["RC_JWT"]); err != nil {
		t.Fatal(err)
	}
	clock.mu.Lock()
	clock.now += 3600
	clock.mu.Unlock()
	before, _ := redisLocal.counts(t)
	var wg sync.WaitGroup
	failures := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(platform *rcsdk.Platform) {
			defer wg.Done()
			if _, err := platform.ReadExtension(ctx); err != nil {
				failures <- err
			}
		}(platforms[i%len(platforms)])
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	after, _ := redisLocal.counts(t)
	if refreshes := after[refreshGrant] - before[refreshGrant]; refreshes != 1 {
		t.Errorf("%d refreshes for 4 platforms x 8 goroutines on one key, expected 1", refreshes)
	}
}

func TestRedisLostKeyIsWrittenBackWithoutEndingTheSession(t *testing.T) {
	url, client := redisURL(t)
	clock := &fakeClock{now: float64(time.Now().Unix())}
	ctx := context.Background()
	a := redisPlatform(t, clock, newRedisStore(t, url))
	b := redisPlatform(t, clock, newRedisStore(t, url))
	events := watch(a)
	eventsB := watch(b)
	if _, err := a.LoginJWT(ctx, redisLocal.environment(t)["RC_JWT"]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadExtension(ctx); err != nil {
		t.Fatal(err)
	}
	if err := client.FlushAll(ctx).Err(); err != nil { // a restart without persistence, say
		t.Fatal(err)
	}
	clock.mu.Lock()
	clock.now += 3600 // the rotation is due: the store holds nothing
	clock.mu.Unlock()
	before, _ := redisLocal.counts(t)
	for _, platform := range []*rcsdk.Platform{a, b} {
		if _, err := platform.ReadExtension(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := redisLocal.counts(t)
	if refreshes := after[refreshGrant] - before[refreshGrant]; refreshes != 1 {
		t.Errorf("%d refreshes, expected 1 (a wrote its tokens back and refreshed; b adopted)", refreshes)
	}
	stored, err := newRedisStore(t, url).Load()
	if err != nil || !sameJSON(a.GetAuthData(), b.GetAuthData()) || !sameJSON(a.GetAuthData(), stored) {
		t.Errorf("a, b and the store differ: %v", err)
	}
	if len(*events)+len(*eventsB) > 0 {
		t.Errorf("events: %v %v", *events, *eventsB)
	}
}

func TestRedisDownCallsGoOnWhileTheAccessTokenIsValid(t *testing.T) {
	var server redisServer
	server.up(t)
	defer server.down()
	clock := &fakeClock{now: float64(time.Now().Unix())}
	ctx := context.Background()
	store := newRedisStore(t, server.url(), redis.WithLockTimeout(500*time.Millisecond))
	platform := redisPlatform(t, clock, store)
	events := watch(platform)
	if _, err := platform.LoginJWT(ctx, redisLocal.environment(t)["RC_JWT"]); err != nil {
		t.Fatal(err)
	}
	before, _ := redisLocal.counts(t)
	server.down()
	clock.mu.Lock()
	clock.now += 3600 - 30 // due (within the refresh margin), still valid
	clock.mu.Unlock()
	if _, err := platform.ReadExtension(ctx); err != nil {
		t.Fatalf("a valid access token with Redis down: %v", err)
	}
	clock.mu.Lock()
	clock.now += 60 // expired, Redis still down: a typed failure, nothing refreshed or lost
	clock.mu.Unlock()
	if _, err := platform.ReadExtension(ctx); !errors.Is(err, rcsdk.ErrTokenStore) {
		t.Fatalf("an expired access token with Redis down: %v", err)
	}
	if !platform.IsAuthorized() {
		t.Error("the session was dropped while Redis was down")
	}
	server.up(t) // back, empty: the tokens in memory are written back, then refreshed
	if _, err := platform.ReadExtension(ctx); err != nil {
		t.Fatalf("Redis back: %v", err)
	}
	after, _ := redisLocal.counts(t)
	if refreshes := after[refreshGrant] - before[refreshGrant]; refreshes != 1 {
		t.Errorf("%d refreshes, expected 1", refreshes)
	}
	if len(*events) > 0 {
		t.Errorf("events: %v", *events)
	}
}
