<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * Tokens in Redis, for many workers on many machines, in any of rcsdk's languages (needs the
 * phpredis extension, `ext-redis`; Debian's php-redis):
 *
 *     $store = new RedisTokenStore('rcsdk:APP_KEY:USER', url: 'redis://localhost:6379/0');
 *     $sdk = new RCSDK($appKey, $appSecret, $server, store: $store);
 *
 * The same store as Python's `rcsdk.redis.RedisTokenStore` and Node's `rcsdk/redis`: it runs the
 * token store protocol's Lua scripts (store/*.lua, the same bytes in every package), so Python,
 * Node and PHP workers naming one key share one session (docs/FLEET.md). Saves are
 * compare-and-set on the store's generation; synchronized() holds a lease in Redis. PHP has no
 * thread to renew the lease while a refresh runs: keep `lease` above the transport's timeout (a
 * lease that lapses costs at most a second refresh; the generation still refuses a stale write).
 */
final class RedisTokenStore implements FencedTokenStore
{
    public const DEFAULT_LEASE = Constants::DEFAULT_STORE_LEASE;
    /** How long the tokens key lives when the refresh token's lifetime is unknown (a week). */
    public const DEFAULT_KEY_TTL = Constants::DEFAULT_STORE_KEY_TTL;
    private const SCRIPTS = ['load', 'save', 'acquire', 'renew', 'release'];

    public readonly string $lockKey;
    private ?\Redis $client;
    private readonly bool $own;
    private readonly \Closure $clock;
    /** @var array<string, array{string, string}> name => [text, sha1] */
    private array $scripts = [];
    private int $depth = 0;

    /**
     * @param string $key where the tokens live, one per app and user ("rcsdk:APP_KEY:USER")
     * @param string|null $url redis://host:port/db (rediss:// for TLS, unix:///path); or pass `$client`
     * @param \Redis|null $client a connected phpredis client to use instead of `$url`
     * @param float $lease how long the refresh lock lasts (seconds)
     * @param float $lockTimeout how long synchronized() waits for another holder (seconds)
     * @param float $keyTtl how long the key lives when the refresh token's lifetime is unknown
     * @param null|callable(): float $clock seconds since the epoch, for TTLs
     */
    public function __construct(
        public readonly string $key,
        private readonly ?string $url = null,
        ?\Redis $client = null,
        public readonly float $lease = self::DEFAULT_LEASE,
        public readonly float $lockTimeout = Constants::DEFAULT_LOCK_TIMEOUT,
        public readonly float $keyTtl = self::DEFAULT_KEY_TTL,
        ?callable $clock = null,
    ) {
        if ($key === '') {
            throw new \InvalidArgumentException("key is required (one per app and user, e.g. 'rcsdk:APP_KEY:USER')");
        }
        if (($url === null) === ($client === null)) {
            throw new \InvalidArgumentException('pass either url or client');
        }
        foreach (['lease' => $lease, 'lockTimeout' => $lockTimeout, 'keyTtl' => $keyTtl] as $name => $value) {
            if (!($value > 0) || !is_finite($value)) {
                throw new TokenStoreError("$name must be a positive number of seconds, not $value");
            }
        }
        if ($client === null && !extension_loaded('redis')) {
            throw new TokenStoreError('RedisTokenStore needs the phpredis extension (ext-redis; Debian: php-redis)');
        }
        $this->lockKey = $key . ':lock';
        $this->client = $client;
        $this->own = $client === null;
        $this->clock = $clock === null ? static fn (): float => microtime(true) : \Closure::fromCallable($clock);
        foreach (self::SCRIPTS as $name) {
            $this->scripts[$name] = [$text = self::script($name), sha1($text)];
        }
    }

    /** One script of the token store protocol (`load`, `save`, `acquire`, ...). */
    public static function script(string $name): string
    {
        $text = file_get_contents(__DIR__ . '/../store/' . $name . '.lua');
        if ($text === false) {
            throw new TokenStoreError("the token store protocol's script $name.lua is missing");
        }
        return $text;
    }

    // --- the fenced protocol, which the client uses ------------------------------------------

    public function loadGeneration(): array
    {
        $reply = $this->run('read', 'load', [$this->key], []);
        return [$this->parse($reply[0] ?? ''), self::generation($reply[1] ?? '')];
    }

    public function saveIf(#[\SensitiveParameter] ?array $data, ?string $expected): array
    {
        $text = $data !== null ? json_encode($data, JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR) : '';
        $ttl = $this->ttl($data);
        if ($ttl === null) {
            [$text, $ttl] = ['', $this->keyTtl]; // nothing in it authorizes any more: as logged out
        }
        $reply = $this->run('write', 'save', [$this->key], [$expected ?? '', $text, (string) max(1, (int) ceil($ttl * 1000))]);
        return [(int) ($reply[0] ?? 0) === 1, $this->parse($reply[2] ?? ''), self::generation($reply[1] ?? '')];
    }

    // --- the plain TokenStore protocol -------------------------------------------------------

    public function load(): ?array
    {
        return $this->loadGeneration()[0];
    }

    public function save(#[\SensitiveParameter] ?array $data): void
    {
        $this->saveIf($data, self::ANY);
    }

    public function synchronized(callable $fn): mixed
    {
        if ($this->depth > 0) {
            $this->depth++;
            try {
                return $fn();
            } finally {
                $this->depth--;
            }
        }
        $token = bin2hex(random_bytes(16));
        $leaseMs = (string) max(1, (int) ceil($this->lease * 1000));
        $deadline = microtime(true) + $this->lockTimeout;
        $pause = 0.005;
        while ((int) $this->run('lock', 'acquire', [$this->lockKey], [$token, $leaseMs]) !== 1) {
            if (microtime(true) >= $deadline) {
                throw new TokenStoreError("timed out after {$this->lockTimeout} s waiting for the token store lock {$this->lockKey} in Redis (held by another worker)");
            }
            usleep((int) ($pause * (0.5 + mt_rand() / mt_getrandmax()) * 1e6));
            $pause = min($pause * 2, 0.05);
        }
        $this->depth = 1;
        try {
            return $fn();
        } finally {
            $this->depth = 0;
            try {
                $this->run('unlock', 'release', [$this->lockKey], [$token]);
            } catch (TokenStoreError) {
                // Redis went away after the work was done: the lease ends by itself.
            }
        }
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['key' => $this->key];
    }

    // --- internals ----------------------------------------------------------------------------

    /**
     * Seconds the key lives: until the later expiry of the two tokens, at least the refresh
     * token's (keyTtl when unknown); null when both have expired.
     *
     * @param array<string, mixed>|null $data
     */
    private function ttl(?array $data): ?float
    {
        if ($data === null) {
            return $this->keyTtl;
        }
        $now = ($this->clock)();
        $ends = [];
        foreach (['refresh_token_expires_at', 'expires_at'] as $field) {
            if (is_int($data[$field] ?? null) || is_float($data[$field] ?? null)) {
                $ends[] = $data[$field] - $now;
            }
        }
        $token = $data['token'] ?? null;
        $refreshable = is_array($token) && !empty($token['refresh_token']);
        if ($ends === [] || ($refreshable && ($data['refresh_token_expires_at'] ?? null) === null)) {
            $ends[] = $this->keyTtl;
        }
        $ttl = max($ends);
        return $ttl > 0 ? (float) $ttl : null;
    }

    /** @return array<string, mixed>|null */
    private function parse(mixed $raw): ?array
    {
        $text = is_string($raw) ? $raw : '';
        if ($text === '') {
            return null;
        }
        try {
            $data = json_decode($text, true, 64, JSON_THROW_ON_ERROR);
        } catch (\JsonException) {
            throw new AuthDataError("token store {$this->key} does not hold JSON");
        }
        if ($data !== null && !is_array($data)) {
            throw new AuthDataError("token store {$this->key} does not hold a JSON object");
        }
        /** @var array<string, mixed>|null $data */
        return $data;
    }

    private static function generation(mixed $raw): ?string
    {
        $text = is_scalar($raw) ? (string) $raw : '';
        return $text === '' ? null : $text;
    }

    /**
     * @param list<string> $keys
     * @param list<string> $args
     */
    private function run(string $action, string $name, array $keys, array $args): mixed
    {
        [$text, $sha] = $this->scripts[$name];
        try {
            $client = $this->connect();
            $result = $client->evalSha($sha, [...$keys, ...$args], count($keys));
            if ($result === false && str_starts_with((string) $client->getLastError(), 'NOSCRIPT')) {
                $client->clearLastError();
                $result = $client->eval($text, [...$keys, ...$args], count($keys));
            }
            $error = $client->getLastError();
            if ($result === false && $error !== null) {
                $client->clearLastError();
                throw new \RedisException($error);
            }
            return $result;
        } catch (\RedisException $error) {
            if ($this->own) {
                $this->client = null; // connect again at the next use
            }
            throw new TokenStoreError("cannot $action token store {$this->key} in Redis: " . get_class($error) . ': ' . $error->getMessage());
        }
    }

    private function connect(): \Redis
    {
        if ($this->client !== null) {
            return $this->client;
        }
        $parts = parse_url((string) $this->url);
        if ($parts === false || !in_array($parts['scheme'] ?? '', ['redis', 'rediss', 'unix'], true)) {
            throw new TokenStoreError('unusable Redis URL (redis://, rediss:// or unix://)');
        }
        $client = new \Redis();
        $connected = $parts['scheme'] === 'unix'
            ? $client->connect($parts['path'] ?? '', 0, 2.0)
            : $client->connect(($parts['scheme'] === 'rediss' ? 'tls://' : '') . ($parts['host'] ?? '127.0.0.1'), $parts['port'] ?? 6379, 2.0);
        if ($connected === false) {
            throw new \RedisException('cannot connect');
        }
        if (isset($parts['pass'])) {
            $client->auth(isset($parts['user']) ? [rawurldecode($parts['user']), rawurldecode($parts['pass'])] : rawurldecode($parts['pass']));
        }
        $database = (int) ltrim($parts['path'] ?? '', '/');
        if ($parts['scheme'] !== 'unix' && $database > 0) {
            $client->select($database);
        }
        return $this->client = $client;
    }
}
