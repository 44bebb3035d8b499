// Package redis keeps tokens in Redis, for many workers on many machines in any of rcsdk's
// languages:
//
//	store, err := redis.NewRedisTokenStore("rcsdk:APP_KEY:USER", redis.WithURL("redis://localhost:6379/0"))
//	sdk, err := rcsdk.New(appKey, appSecret, server, rcsdk.WithStore(store))
//
// It is the same store as Python's rcsdk.redis.RedisTokenStore, Node's "rcsdk/redis" and PHP's
// Rcsdk\RedisTokenStore: it runs the token store protocol's Lua scripts (store/*.lua, the same
// bytes in every package, embedded here), so Python, Node, PHP and Go workers naming one key
// share one session (docs/FLEET.md). The key is a hash of the auth data (the same JSON as
// FileTokenStore's) and the store's generation of it; every save after a refresh is a
// compare-and-set on the generation the tokens were refreshed from (rcsdk.FencedTokenStore).
// Lock is a lease in Redis (a random token with an expiry, renewed while its holder works,
// deleted only by its holder), so a fleet refreshes once per rotation and a worker killed while
// holding it delays the others by at most the lease.
//
// This is a module of its own (it needs the go-redis client): the core module rcsdk.local/rcsdk
// depends on nothing outside the standard library.
package redis

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	mathrand "math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

	goredis "github.com/redis/go-redis/v9"

	"rcsdk.local/rcsdk"
)

// DefaultLease is how long the lock lasts unless its holder renews it (every third of it).
const DefaultLease = rcsdk.DefaultStoreLease

// DefaultKeyTTL is how long the tokens key lives when the refresh token's lifetime is unknown:
// never the access token's (a key that expired with it would log the fleet out).
const DefaultKeyTTL = rcsdk.DefaultStoreKeyTTL

//go:embed store/*.lua
var protocol embed.FS

// Script is one script of the token store protocol ("load", "save", "acquire", "renew",
// "release"), the bytes every language's package ships.
func Script(name string) (string, error) {
	text, err := protocol.ReadFile("store/" + name + ".lua")
	return string(text), err
}

func mustScript(name string) *goredis.Script {
	text, err := Script(name)
	if err != nil {
		panic("rcsdk/redis: the protocol's script " + name + " is not embedded")
	}
	return goredis.NewScript(text)
}

var (
	loadScript    = mustScript("load")
	saveScript    = mustScript("save")
	acquireScript = mustScript("acquire")
	renewScript   = mustScript("renew")
	releaseScript = mustScript("release")
)

// RedisTokenStore is the auth data under a key in Redis, shared by every worker (any
// language) that names the same key. The lock is "<key>:lock". Safe for concurrent use.
//
// A failed read or write (Redis unreachable, say) is an rcsdk.ErrTokenStore error; content it
// cannot use is an rcsdk.ErrAuthData error.
type RedisTokenStore struct {
	Key         string
	LockKey     string
	Lease       time.Duration
	LockTimeout time.Duration
	KeyTTL      time.Duration
	client      goredis.Scripter
	own         *goredis.Client
	clock       func() time.Time
	logger      func(level, message string)
	local       chan struct{} // the goroutines of this process wait here, not in Redis
}

// Option configures a RedisTokenStore.
type Option func(*RedisTokenStore) error

// WithURL connects to Redis at url (redis://host:6379/0, rediss:// for TLS, unix://).
func WithURL(url string) Option {
	return func(s *RedisTokenStore) error {
		options, err := goredis.ParseURL(url)
		if err != nil {
			// Not the URL nor the parser's words in the message: they may hold the password.
			return fail(err, "unusable Redis URL: redis://, rediss:// or unix:// with a host expected")
		}
		if options.DialTimeout == 0 {
			options.DialTimeout = 2 * time.Second
		}
		s.own = goredis.NewClient(options)
		s.client = s.own
		return nil
	}
}

// WithClient uses a go-redis client of your own (*redis.Client, *redis.ClusterClient,
// *redis.Ring, a failover client); you close it.
func WithClient(client goredis.Scripter) Option {
	return func(s *RedisTokenStore) error {
		if client == nil {
			return fail(nil, "WithClient needs a client")
		}
		s.client = client
		return nil
	}
}

// WithLease sets how long the refresh lock lasts unless its holder renews it: a worker that
// dies holding it delays the others by at most this.
func WithLease(d time.Duration) Option {
	return func(s *RedisTokenStore) error { s.Lease = d; return positive("lease", d) }
}

// WithLockTimeout sets how long Lock waits for another holder before it fails.
func WithLockTimeout(d time.Duration) Option {
	return func(s *RedisTokenStore) error { s.LockTimeout = d; return positive("lock timeout", d) }
}

// WithKeyTTL sets how long the key lives when the refresh token's lifetime is unknown.
func WithKeyTTL(d time.Duration) Option {
	return func(s *RedisTokenStore) error { s.KeyTTL = d; return positive("key TTL", d) }
}

// WithClock sets the time used for the key's TTL (the auth data's expiry times are epoch
// seconds).
func WithClock(now func() time.Time) Option {
	return func(s *RedisTokenStore) error { s.clock = now; return nil }
}

// WithLogger receives the store's warnings (a lease that could not be renewed or released);
// by default they go to the standard logger.
func WithLogger(logger func(level, message string)) Option {
	return func(s *RedisTokenStore) error { s.logger = logger; return nil }
}

// NewRedisTokenStore is a store for key (one per app and user, "rcsdk:APP_KEY:USER"), with
// WithURL or WithClient (exactly one).
func NewRedisTokenStore(key string, options ...Option) (*RedisTokenStore, error) {
	if key == "" {
		return nil, fail(nil, "key is required (one per app and user, e.g. 'rcsdk:APP_KEY:USER')")
	}
	s := &RedisTokenStore{
		Key: key, LockKey: key + ":lock", Lease: DefaultLease, LockTimeout: rcsdk.DefaultLockTimeout,
		KeyTTL: DefaultKeyTTL, clock: time.Now, local: make(chan struct{}, 1),
	}
	clients := 0
	for _, option := range options {
		before := s.client
		if err := option(s); err != nil {
			s.Close()
			return nil, err
		}
		if s.client != before {
			clients++
		}
	}
	if clients != 1 {
		s.Close()
		return nil, fail(nil, "pass either WithURL or WithClient")
	}
	return s, nil
}

// String names the key.
func (s *RedisTokenStore) String() string { return "RedisTokenStore(key=" + strconv.Quote(s.Key) + ")" }

// Close closes the connection the store opened from WithURL (a client of your own stays open).
func (s *RedisTokenStore) Close() error {
	if s.own == nil {
		return nil
	}
	own := s.own
	s.own = nil
	return own.Close()
}

// --- the fenced protocol (rcsdk.FencedTokenStore), which the platform uses ---------------------

// LoadGeneration returns the auth data and its generation ("" when the key does not exist).
func (s *RedisTokenStore) LoadGeneration() (map[string]any, string, error) {
	reply, err := s.run("read", loadScript, []string{s.Key})
	if err != nil {
		return nil, "", err
	}
	auth, generation, err := pair(reply, 0)
	if err != nil {
		return nil, "", s.protocolError(err)
	}
	data, err := s.parse(auth)
	return data, generation, err
}

// SaveIf writes data if the key holds generation expected ("": the key must not exist;
// rcsdk.AnyGeneration: anything). It returns whether it wrote, and the data and generation the
// key holds now.
func (s *RedisTokenStore) SaveIf(data map[string]any, expected string) (bool, map[string]any, string, error) {
	text := ""
	if data != nil {
		raw, err := json.Marshal(data) // keys sorted, as every language writes them
		if err != nil {
			return false, nil, "", fail(err, "cannot write token store %q: the auth data is not JSON", s.Key)
		}
		text = string(raw)
	}
	ttl, live := s.ttl(data)
	if !live {
		text, ttl = "", s.KeyTTL.Seconds() // nothing in it authorizes any more: as logged out
	}
	ms := strconv.FormatInt(int64(math.Max(1, math.Ceil(ttl*1000))), 10)
	reply, err := s.run("write", saveScript, []string{s.Key}, expected, text, ms)
	if err != nil {
		return false, nil, "", err
	}
	items, ok := reply.([]any)
	if !ok || len(items) != 3 {
		return false, nil, "", s.protocolError(fmt.Errorf("save answered %T", reply))
	}
	written, ok := items[0].(int64)
	if !ok {
		return false, nil, "", s.protocolError(fmt.Errorf("save answered %T", items[0]))
	}
	generation, auth, err := pair(reply, 1)
	if err != nil {
		return false, nil, "", s.protocolError(err)
	}
	held, err := s.parse(auth)
	return written == 1, held, generation, err
}

// ttl is how long the key lives (seconds): until the later expiry of the two tokens, at least
// the refresh token's (KeyTTL when unknown); live is false when both have expired.
func (s *RedisTokenStore) ttl(data map[string]any) (seconds float64, live bool) {
	if data == nil {
		return s.KeyTTL.Seconds(), true
	}
	now := float64(s.clock().UnixNano()) / 1e9
	var ends []float64
	for _, name := range []string{"refresh_token_expires_at", "expires_at"} {
		if at, ok := number(data[name]); ok {
			ends = append(ends, at-now)
		}
	}
	token, _ := data["token"].(map[string]any)
	refresh, _ := token["refresh_token"].(string)
	if _, known := number(data["refresh_token_expires_at"]); len(ends) == 0 || refresh != "" && !known {
		ends = append(ends, s.KeyTTL.Seconds()) // a lifetime that is unknown
	}
	longest := ends[0]
	for _, end := range ends[1:] {
		longest = math.Max(longest, end)
	}
	return longest, longest > 0
}

func number(value any) (float64, bool) {
	switch v := value.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// parse is the auth data the key holds (nil for "", a logout or a key never written).
func (s *RedisTokenStore) parse(text string) (map[string]any, error) {
	if text == "" {
		return nil, nil
	}
	what := fmt.Sprintf("token store %q", s.Key)
	if !utf8.ValidString(text) {
		return nil, &rcsdk.Error{Kind: rcsdk.ErrAuthData, Message: what + " is not UTF-8 text"}
	}
	decoder := json.NewDecoder(bytes.NewReader([]byte(text)))
	decoder.UseNumber()
	var data any
	if err := decoder.Decode(&data); err != nil {
		return nil, &rcsdk.Error{Kind: rcsdk.ErrAuthData, Message: what + " does not hold JSON"}
	}
	if data == nil {
		return nil, nil
	}
	object, ok := data.(map[string]any)
	if !ok {
		return nil, &rcsdk.Error{Kind: rcsdk.ErrAuthData, Message: what + " does not hold a JSON object"}
	}
	return object, nil
}

// --- the plain TokenStore protocol ------------------------------------------------------------

// Load returns the auth data (nil when there is none).
func (s *RedisTokenStore) Load() (map[string]any, error) {
	data, _, err := s.LoadGeneration()
	return data, err
}

// Save replaces the auth data, whatever the key holds (nil: logged out).
func (s *RedisTokenStore) Save(data map[string]any) error {
	_, _, _, err := s.SaveIf(data, rcsdk.AnyGeneration)
	return err
}

// Lock takes the lease (the goroutines of this process queue in memory first), waiting at most
// LockTimeout or until ctx ends; while it is held, it is renewed every third of Lease.
func (s *RedisTokenStore) Lock(ctx context.Context) (func(), error) {
	deadline := time.Now().Add(s.LockTimeout)
	timeout := func() error {
		return fail(nil, "timed out after %s waiting for the token store lock %q in Redis (held by another worker)", s.LockTimeout, s.LockKey)
	}
	if err := s.wait(ctx, deadline, timeout); err != nil {
		return nil, err
	}
	token := randomToken()
	leaseMs := strconv.FormatInt(int64(math.Max(1, math.Ceil(float64(s.Lease)/float64(time.Millisecond)))), 10)
	pause := 5 * time.Millisecond
	for {
		reply, err := s.run("lock", acquireScript, []string{s.LockKey}, token, leaseMs)
		if err != nil {
			<-s.local
			return nil, err
		}
		if taken, _ := reply.(int64); taken == 1 {
			break
		}
		left := time.Until(deadline)
		if left <= 0 {
			<-s.local
			return nil, timeout()
		}
		jittered := time.Duration(float64(pause) * (0.5 + mathrand.Float64()))
		if err := sleep(ctx, min(jittered, left)); err != nil {
			<-s.local
			return nil, fail(err, "gave up waiting for the token store lock %q: %v", s.LockKey, err)
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go s.keepLease(token, leaseMs, stop, done)
	return func() {
		close(stop)
		<-done
		if _, err := s.run("unlock", releaseScript, []string{s.LockKey}, token); err != nil {
			// The work under the lock is done (tokens kept); the lease ends by itself.
			s.warn("rcsdk: could not release the refresh lock: " + err.Error())
		}
		<-s.local
	}, nil
}

// wait takes this process's turn for the lock.
func (s *RedisTokenStore) wait(ctx context.Context, deadline time.Time, timeout func() error) error {
	select {
	case s.local <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case s.local <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fail(ctx.Err(), "gave up waiting for the token store lock %q: %v", s.LockKey, ctx.Err())
	case <-timer.C:
		return timeout()
	}
}

// keepLease renews the lease every third of it while the holder works (a slow refresh).
func (s *RedisTokenStore) keepLease(token, leaseMs string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(s.Lease / 3)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		reply, err := s.run("renew", renewScript, []string{s.LockKey}, token, leaseMs)
		if err != nil {
			s.warn("rcsdk: could not renew the refresh lock: " + err.Error())
			continue
		}
		if renewed, _ := reply.(int64); renewed != 1 {
			s.warn(fmt.Sprintf("rcsdk: the refresh lock %q expired while held", s.LockKey))
			return
		}
	}
}

// --- internals ----------------------------------------------------------------------------------

// run runs one of the protocol's scripts (EVALSHA, EVAL when Redis does not know it yet).
func (s *RedisTokenStore) run(action string, script *goredis.Script, keys []string, args ...any) (any, error) {
	reply, err := script.Run(context.Background(), s.client, keys, args...).Result()
	if err != nil {
		return nil, fail(err, "cannot %s token store %q in Redis: %v", action, s.Key, err)
	}
	return reply, nil
}

func (s *RedisTokenStore) protocolError(err error) error {
	return fail(err, "token store %q: Redis answered what the protocol does not: %v", s.Key, err)
}

func (s *RedisTokenStore) warn(message string) {
	if s.logger != nil {
		s.logger("warning", message)
		return
	}
	log.Print(message)
}

// pair reads two strings of a script's array reply from index at.
func pair(reply any, at int) (string, string, error) {
	items, ok := reply.([]any)
	if !ok || len(items) < at+2 {
		return "", "", fmt.Errorf("an array was expected, not %T", reply)
	}
	first, ok1 := items[at].(string)
	second, ok2 := items[at+1].(string)
	if !ok1 || !ok2 {
		return "", "", errors.New("strings were expected")
	}
	return first, second, nil
}

func fail(cause error, format string, args ...any) error {
	failure := &rcsdk.Error{Kind: rcsdk.ErrTokenStore, Message: fmt.Sprintf(format, args...)}
	if cause == nil {
		return failure
	}
	return &wrapped{failure, cause}
}

// wrapped is a store error that also unwraps to its cause (a network error, a context's).
type wrapped struct {
	failure *rcsdk.Error
	cause   error
}

func (w *wrapped) Error() string { return w.failure.Message }

func (w *wrapped) Unwrap() []error { return []error{w.failure, w.cause} }

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fail(nil, "%s must be a positive duration, not %s", name, d)
	}
	return nil
}

func randomToken() string {
	buffer := make([]byte, 16)
	_, _ = rand.Read(buffer)
	return hex.EncodeToString(buffer)
}

// sleep waits d, or returns the context's error when it ends first (an unfired time.After
// timer is collected once unreferenced, since Go 1.23).
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
