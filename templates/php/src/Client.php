<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * The machinery under Platform: logins and the token lifecycle (when to refresh, under the
 * store's lock) here, the bookkeeping of tokens in use vs the store in Ledger, authenticated
 * calls in Calls, over the wire that Transport is (curl, retries, error statuses). The lifecycle
 * is built for RingCentral's single-use refresh tokens:
 *
 * - the access token is refreshed `refreshMargin` seconds before it expires, and once more (with
 *   one retry of the call) when a call gets a 401 token error;
 * - any number of processes sharing a FileTokenStore that find the token due cause one refresh;
 *   the others wait for the store's lock and use its result;
 * - a refresh that fails on the network, or that the platform refuses for any other reason than
 *   an explicit `invalid_grant` on that very refresh token, keeps the tokens; an
 *   `invalid_grant` ends the session and fires access_violation once;
 * - tokens the store could not save are kept and used (Event::STORE_ERROR reports it; no call
 *   fails for it), and written as soon as it accepts them, unless it has newer ones by then.
 */
abstract class Client
{
    use Ledger;
    use Calls;

    public readonly string $appKey;
    public readonly string $server;
    public readonly TokenStore $store;
    protected readonly Origin $origin;
    protected readonly Redactor $redactor;
    private readonly Emitter $emitter;
    /**
     * The Transport (it holds the app's Basic credential and the last bearer header), sealed in a
     * closure so that no serialization of the platform (var_export, serialize, (array) casts)
     * reaches it.
     */
    private readonly \Closure $sealedTransport;
    private readonly \Closure $clock;
    /** No clock was injected: microtime() is called directly (once per call). */
    private readonly bool $systemClock;
    private readonly ?\Closure $logger;

    /**
     * @param string|null $appSecret null or '' for a public (PKCE) app: token requests then send client_id
     * @param null|callable(): float $clock seconds since the epoch (injectable for tests)
     * @param null|callable(float): void $sleep waits between retries (injectable for tests)
     * @param null|callable(string, string): void $logger receives (level, message), every secret blanked;
     *        levels: debug (each request and response), info (retries), warning, error;
     *        without one, warnings go to error_log() (stderr from the CLI)
     */
    public function __construct(
        string $appKey,
        #[\SensitiveParameter] ?string $appSecret,
        #[\SensitiveParameter] string $server,
        ?TokenStore $store = null,
        public readonly float $timeout = Constants::DEFAULT_TIMEOUT,
        public readonly float $refreshMargin = Constants::DEFAULT_REFRESH_MARGIN,
        public readonly bool $autoRefresh = true,
        public readonly int $maxRetries = Constants::DEFAULT_MAX_RETRIES,
        public readonly float $maxRetryWait = Constants::DEFAULT_MAX_RETRY_WAIT,
        ?callable $clock = null,
        ?callable $sleep = null,
        ?callable $logger = null,
        ?string $userAgent = null,
        bool $allowInsecureHttp = false,
        #[\SensitiveParameter] ?string $proxy = null,
        int $maxResponseBytes = Constants::MAX_RESPONSE_BYTES,
    ) {
        if ($appKey === '') {
            throw new UsageError('appKey is required');
        }
        Origin::checkField('appKey', $appKey);
        Origin::checkField('appSecret', $appSecret);
        if (!($timeout > 0) || is_infinite($timeout)) {
            throw new UsageError("timeout must be a positive number of seconds, not {$timeout}");
        }
        if ($maxResponseBytes < 1) {
            throw new UsageError("maxResponseBytes must be positive, not {$maxResponseBytes}");
        }
        if ($maxRetries < 0 || $maxRetryWait < 0 || !($refreshMargin >= 0)) {
            throw new UsageError('maxRetries, maxRetryWait and refreshMargin must not be negative');
        }
        $this->logger = $logger === null ? null : \Closure::fromCallable($logger);
        $this->origin = Origin::of($server, $allowInsecureHttp);
        $this->binding = new Binding($this->origin->key(), $appKey);
        if ($allowInsecureHttp && $this->origin->scheme === 'http' && !Origin::isLoopback($this->origin->host)) {
            $this->log('warning', "rcsdk: plain HTTP to {$this->origin->netloc} (allowInsecureHttp): credentials cross the network unencrypted");
        }
        $this->appKey = $appKey;
        $this->server = $this->origin->base;
        $this->store = $store ?? new MemoryTokenStore();
        $this->systemClock = $clock === null;
        $this->clock = $clock === null ? static fn (): float => microtime(true) : \Closure::fromCallable($clock);
        $sleep = $sleep === null
            ? static function (float $seconds): void {
                usleep((int) round($seconds * 1e6));
            }
            : \Closure::fromCallable($sleep);
        $this->redactor = new Redactor();
        $this->emitter = new Emitter($this->logger);
        $transport = new Transport(
            $appKey,
            $appSecret,
            $this->origin,
            $this->redactor,
            $timeout,
            $maxRetries,
            $maxRetryWait,
            $this->clock,
            $sleep,
            $this->logger,
            fn (RateLimitError $error) => $this->emitter->emit(Event::RATE_LIMIT_WAIT, $error),
            $userAgent,
            Proxy::choose($this->origin->scheme, $this->origin->host, $proxy, self::proxyEnvironment()),
            $maxResponseBytes,
        );
        $this->sealedTransport = static fn (): Transport => $transport;
    }

    private function transport(): Transport
    {
        return ($this->sealedTransport)();
    }

    /** @return array<string, string> the variables Proxy::choose() reads, as they are now */
    private static function proxyEnvironment(): array
    {
        $env = [];
        foreach (['https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'] as $name) {
            $value = getenv($name);
            if (is_string($value)) {
                $env[$name] = $value;
            }
        }
        return $env;
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['appKey' => $this->appKey, 'server' => $this->server, 'store' => get_debug_type($this->store), 'authorized' => $this->state !== null];
    }

    public function __toString(): string
    {
        return static::class . "(appKey={$this->appKey}, server={$this->server})";
    }

    // --- events -----------------------------------------------------------------------------

    /**
     * Call `$listener($payload)` on `$event` (an Event constant, or the original SDK's name
     * such as 'accessViolation'); returns a function that removes the listener.
     */
    public function on(string $event, callable $listener): \Closure
    {
        return $this->emitter->on($event, $listener);
    }

    protected function emit(string $event, mixed $payload): void
    {
        $this->emitter->emit($event, $payload);
    }

    // --- logins -----------------------------------------------------------------------------

    /** @param array<string, string> $form */
    protected function login(#[\SensitiveParameter] array $form, string $success, string $failure): TokenInfo
    {
        try {
            $token = $this->transport()->tokenFrom($this->transport()->send('POST', Constants::TOKEN_PATH, client: true, form: $this->clientForm($form)));
        } catch (RCSDKError $error) {
            $this->emit($failure, $error);
            throw $error;
        }
        $state = AuthState::issued($token, $this->now());
        // The platform issued these tokens: whatever the store does, they are kept (in memory
        // at least), as in Python.
        $storeError = $this->replace($state, FencedTokenStore::ANY);
        $this->emit($success, $token);
        $this->reportStore($storeError);
        return $token;
    }

    // --- the token lifecycle ----------------------------------------------------------------

    /**
     * Refresh unless another process already replaced the tokens the caller saw (`$seen`: the
     * ledger's generation when it read them; null forces a refresh); return the tokens in use.
     * A replacement is recognised by the generation, never by comparing token strings (a server
     * may hand out the same access token every time). If the store cannot even be locked (Redis
     * down), a caller whose access token is still valid goes on with it (not one whose call the
     * platform just `$rejected`); otherwise the TokenStoreError is thrown: nothing is refreshed
     * without the store (docs/FLEET.md).
     */
    protected function rotate(?int $seen, bool $rejected = false): AuthState
    {
        /** @var list<array{string, mixed}> $events */
        $events = [];
        $storeError = null;
        $entered = false;
        try {
            $fresh = $this->store->synchronized(function () use ($seen, &$events, &$storeError, &$entered): AuthState {
                $entered = true;
                $current = $this->reload();
                $now = $this->now();
                if ($current === null) {
                    throw $this->refusal();
                }
                if ($seen !== null && $this->generation !== $seen && !$current->accessDue($now, $this->refreshMargin)) {
                    return $current;
                }
                if (!$current->canRefresh($now)) {
                    $error = new LoginRequiredError('the session has expired (no usable refresh token): log in again');
                    $this->keep(null);
                    $events[] = [Event::REFRESH_ERROR, $error];
                    $events[] = [Event::ACCESS_VIOLATION, $error];
                    throw $error;
                }
                try {
                    $response = $this->transport()->send('POST', Constants::TOKEN_PATH, client: true, form: $this->refreshForm($current));
                    $token = $this->transport()->tokenFrom($response);
                } catch (APIStatusError $error) {
                    $events[] = [Event::REFRESH_ERROR, $error];
                    if (self::endsSession($error)) {
                        if ($this->store instanceof FencedTokenStore && $this->storedGeneration === null) {
                            // The store lost the key: the verdict is on our tokens, not on the
                            // store's (another worker may write newer ones back). Ours go.
                            $this->useState(null);
                        } else {
                            // The platform's verdict on this very refresh token (the store still
                            // holds it: we hold its lock; a fenced store refuses the logout if
                            // another worker rotated meanwhile): the session is over.
                            $this->keep(null);
                            if ($this->state === null) {
                                $events[] = [Event::ACCESS_VIOLATION, $error];
                            }
                        }
                    }
                    throw $error;
                } catch (RCSDKError $error) {
                    // Network trouble, or an answer that says nothing about the token: keep it.
                    $events[] = [Event::REFRESH_ERROR, $error];
                    throw $error;
                }
                $fresh = AuthState::issued($token, $this->now());
                $storeError = $this->keep($fresh);
                $events[] = [Event::REFRESH_SUCCESS, $token];
                if ($storeError !== null) {
                    $events[] = [Event::STORE_ERROR, $storeError];
                }
                // A fenced store holding a newer generation refuses ours (our lease lapsed while
                // the platform answered): the ledger adopted the store's.
                return $this->state ?? $fresh;
            });
        } catch (TokenStoreError $error) {
            $held = $this->state;
            if ($entered || $rejected || $seen === null || $held === null || $held->accessDue($this->now(), 0.0)) {
                throw $error;
            }
            return $held; // the store cannot be locked; the access token in memory is still valid
        } finally {
            foreach ($events as [$event, $payload]) {
                $this->emit($event, $payload);
            }
        }
        return $fresh;
    }

    /** @return array<string, string> */
    abstract protected function refreshForm(AuthState $state): array;

    /** @param array<string, string> $form */
    protected function revoke(string $path, #[\SensitiveParameter] array $form, string $success, string $failure): void
    {
        $error = null;
        if ($form !== []) {
            try {
                $this->transport()->send('POST', $path, client: true, form: $this->clientForm($form));
            } catch (RCSDKError $caught) {
                $error = $caught;
            }
        }
        $this->reportStore($this->replace(null, FencedTokenStore::ANY));
        if ($error !== null) {
            $this->emit($failure, $error);
            throw $error;
        }
        $this->emit($success, null);
    }

    /**
     * The platform's verdict on the refresh token itself: `invalid_grant`, with no error code or
     * one that names that token (expired, revoked, used). `invalid_client`, a rate limit or a
     * proxy's HTML page are not.
     */
    private static function endsSession(APIStatusError $error): bool
    {
        return $error->error === 'invalid_grant'
            && ($error->errorCodes === [] || array_intersect($error->errorCodes, Constants::REFRESH_REJECTED_CODES) !== []);
    }

    /** Tokens fit for a call: refreshed first when they are due (request() checks first). */
    private function access(): AuthState
    {
        $state = $this->state;
        if ($state === null || $this->unsaved) {
            $state = $this->current(); // reads the store when no tokens are held
            if ($this->unsaved) {
                // Tokens the store refused earlier (or a session saved unbound): write them now
                // if it takes them.
                try {
                    $this->store->synchronized(fn (): ?AuthState => $this->reload());
                } catch (TokenStoreError) {
                    // The store cannot even be locked: go on with the tokens in memory (as Python).
                }
                $state = $this->current();
            }
            if ($state === null) {
                throw $this->refusal();
            }
        }
        if ($this->autoRefresh && $state->accessDue($this->now(), $this->refreshMargin)) {
            $state = $this->rotate($this->generation);
        }
        return $state;
    }

    // --- helpers --------------------------------------------------------------------------------

    /**
     * Public apps identify themselves in the body; confidential ones use Basic auth.
     *
     * @param array<string, string> $form
     * @return array<string, string>
     */
    protected function clientForm(#[\SensitiveParameter] array $form): array
    {
        foreach ($form as $name => $value) {
            Origin::checkField($name, $value);
        }
        if (!$this->transport()->confidential) {
            $form['client_id'] = $this->appKey;
        }
        return $form;
    }

    /**
     * `application/x-www-form-urlencoded`, as Python's urlencode writes it.
     *
     * @param array<string, scalar|null> $fields
     */
    public static function encode(#[\SensitiveParameter] array $fields): string
    {
        return Transport::encode($fields);
    }

    protected static function segment(string $value): string
    {
        return rawurlencode($value);
    }

    protected function now(): float
    {
        return (float) ($this->clock)();
    }

    protected function log(string $level, string $message): void
    {
        if ($this->logger !== null) {
            ($this->logger)($level, $message);
        } elseif ($level === 'warning') {
            error_log($message); // seen without a logger: stderr from the CLI, the server's log under FPM
        }
    }
}
