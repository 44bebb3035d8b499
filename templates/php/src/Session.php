<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * What a Platform is made of (it holds one; internal, not part of the package's API): logins,
 * the token lifecycle (when to refresh, under the store's lock) and authenticated calls here,
 * the bookkeeping of tokens in use vs the store in the Ledger it holds, over the wire that its
 * Transport is (curl, retries, error statuses). The lifecycle is built for RingCentral's
 * single-use refresh tokens:
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
 *
 * @internal
 */
final class Session
{
    /** The tokens in use and what the store holds. */
    public readonly Ledger $ledger;
    public readonly string $appKey;
    public readonly string $server;
    public readonly TokenStore $store;
    public readonly Origin $origin;
    public readonly Redactor $redactor;
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

    /** The options are Platform's (see its constructor); Platform makes its Session. */
    public function __construct(
        /** @var \Closure(AuthState): array<string, string> the refresh grant's form (generated: Platform) */
        private readonly \Closure $refreshForm,
        string $appKey,
        #[\SensitiveParameter] ?string $appSecret,
        #[\SensitiveParameter] string $server,
        ?TokenStore $store,
        public readonly float $timeout,
        public readonly float $refreshMargin,
        public readonly bool $autoRefresh,
        public readonly int $maxRetries,
        public readonly float $maxRetryWait,
        ?callable $clock,
        ?callable $sleep,
        ?callable $logger,
        ?string $userAgent,
        bool $allowInsecureHttp,
        #[\SensitiveParameter] ?string $proxy,
        int $maxResponseBytes,
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
        if ($maxRetries < 0) {
            throw new UsageError("maxRetries must be an int >= 0, not {$maxRetries}");
        }
        foreach (['maxRetryWait' => $maxRetryWait, 'refreshMargin' => $refreshMargin] as $name => $seconds) {
            if (!is_finite($seconds) || $seconds < 0) { // NaN and INF too, as in Python and JS
                throw new UsageError("{$name} must be a finite number of seconds >= 0, not {$seconds}");
            }
        }
        $this->logger = $logger === null ? null : \Closure::fromCallable($logger);
        $this->origin = Origin::of($server, $allowInsecureHttp);
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
        $this->ledger = new Ledger(
            $this->store,
            $this->redactor,
            new Binding($this->origin->key(), $appKey),
            $this->log(...),
            $this->emit(...),
            $this->now(...),
        );
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
        // A client whose constructor threw is still shown (print_r of a trace reaches it).
        return [
            'appKey' => $this->appKey ?? null,
            'server' => $this->server ?? null,
            'store' => isset($this->store) ? get_debug_type($this->store) : null,
            'authorized' => isset($this->ledger) && $this->ledger->state !== null,
        ];
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

    public function emit(string $event, mixed $payload): void
    {
        $this->emitter->emit($event, $payload);
    }

    // --- logins -----------------------------------------------------------------------------

    /** @param array<string, string> $form */
    public function login(#[\SensitiveParameter] array $form, string $success, string $failure): TokenInfo
    {
        $asked = $this->now(); // their lifetime counts from here (AuthState::issued)
        try {
            $token = $this->transport()->tokenFrom($this->transport()->send('POST', Constants::TOKEN_PATH, client: true, form: $this->clientForm($form)));
        } catch (RCSDKError $error) {
            $this->emit($failure, $error);
            throw $error;
        }
        $state = AuthState::issued($token, $asked);
        // The platform issued these tokens: whatever the store does, they are kept (in memory
        // at least), as in Python.
        $storeError = $this->ledger->replace($state, FencedTokenStore::ANY);
        $this->ledger->reportStore($storeError); // as in Python and JS: storeError, then success
        $this->emit($success, $token);
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
    public function rotate(?int $seen, bool $rejected = false): AuthState
    {
        /** @var list<array{string, mixed}> $events */
        $events = [];
        $storeError = null;
        $entered = false;
        try {
            $fresh = $this->store->synchronized(function () use ($seen, &$events, &$storeError, &$entered): AuthState {
                $entered = true;
                $current = $this->ledger->reload();
                $now = $this->now();
                if ($current === null) {
                    throw $this->ledger->refusal();
                }
                if ($seen !== null && $this->ledger->generation !== $seen && !$current->accessDue($now, $this->refreshMargin)) {
                    return $current;
                }
                if (!$current->canRefresh($now)) {
                    $error = new LoginRequiredError('the session has expired (no usable refresh token): log in again');
                    $storeError = $this->ledger->keep(null);
                    if ($storeError !== null) {
                        $events[] = [Event::STORE_ERROR, $storeError];
                    }
                    $events[] = [Event::REFRESH_ERROR, $error];
                    $events[] = [Event::ACCESS_VIOLATION, $error];
                    throw $error;
                }
                $asked = $this->now(); // the new tokens' lifetime counts from here
                try {
                    $response = $this->transport()->send('POST', Constants::TOKEN_PATH, client: true, form: $this->clientForm(($this->refreshForm)($current)));
                    $token = $this->transport()->tokenFrom($response);
                } catch (APIStatusError $error) {
                    $events[] = [Event::REFRESH_ERROR, $error];
                    if (Decide::endsSession($error->statusCode, $error->error, $error->errorCodes)) {
                        // The store was read under the lock we hold: it holds the rejected token
                        // (a fenced store refuses the logout if another worker rotated
                        // meanwhile, and its tokens are adopted), unless it lost the key.
                        $lost = $this->store instanceof FencedTokenStore && $this->ledger->storedGeneration === null;
                        $outcome = Decide::afterRejection($lost ? 'lost' : 'same');
                        if ($outcome === 'drop') {
                            $this->ledger->useState(null); // the verdict is on our tokens, not on the store's
                        } elseif ($outcome === 'end') {
                            $storeError = $this->ledger->keep(null);
                            if ($storeError !== null) {
                                $events[] = [Event::STORE_ERROR, $storeError];
                            }
                            if ($this->ledger->state === null) {
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
                $fresh = AuthState::issued($token, $asked);
                $storeError = $this->ledger->keep($fresh);
                if ($storeError !== null) { // as in Python and JS: storeError, then success
                    $events[] = [Event::STORE_ERROR, $storeError];
                }
                $events[] = [Event::REFRESH_SUCCESS, $token];
                // A fenced store holding a newer generation refuses ours (our lease lapsed while
                // the platform answered): the ledger adopted the store's.
                return $this->ledger->state ?? $fresh;
            });
        } catch (TokenStoreError $error) {
            $held = $this->ledger->state;
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

    /** @param array<string, string> $form */
    public function revoke(string $path, #[\SensitiveParameter] array $form, string $success, string $failure): void
    {
        $error = null;
        if ($form !== []) {
            try {
                $this->transport()->send('POST', $path, client: true, form: $this->clientForm($form));
            } catch (RCSDKError $caught) {
                $error = $caught;
            }
        }
        $this->ledger->reportStore($this->ledger->replace(null, FencedTokenStore::ANY));
        if ($error !== null) {
            $this->emit($failure, $error);
            throw $error;
        }
        $this->emit($success, null);
    }

    /** Tokens fit for a call: refreshed first when they are due (request() checks first). */
    private function access(): AuthState
    {
        $state = $this->ledger->state;
        if ($state === null || $this->ledger->unsaved) {
            $state = $this->ledger->current(); // reads the store when no tokens are held
            if ($this->ledger->unsaved) {
                // Tokens the store refused earlier (or a session saved unbound): write them now
                // if it takes them.
                try {
                    $this->store->synchronized(fn (): ?AuthState => $this->ledger->reload());
                } catch (TokenStoreError) {
                    // The store cannot even be locked: go on with the tokens in memory (as Python).
                }
                $state = $this->ledger->current();
            }
            if ($state === null) {
                throw $this->ledger->refusal();
            }
        }
        if ($this->autoRefresh && $state->accessDue($this->now(), $this->refreshMargin)) {
            $state = $this->rotate($this->ledger->generation);
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
    public function clientForm(#[\SensitiveParameter] array $form): array
    {
        foreach ($form as $name => $value) {
            Origin::checkField($name, $value);
        }
        if (!$this->transport()->confidential) {
            $form['client_id'] = $this->appKey;
        }
        return $form;
    }

    public function now(): float
    {
        return (float) ($this->clock)();
    }

    public function log(string $level, string $message): void
    {
        if ($this->logger !== null) {
            ($this->logger)($level, $message);
        } elseif ($level === 'warning') {
            error_log($message); // seen without a logger: stderr from the CLI, the server's log under FPM
        }
    }

    // --- authenticated calls ------------------------------------------------------------------

    /** How many checked paths are remembered (a bound, for callers that make up paths). */
    private const KNOWN_PATHS = 64;

    /** @var array<string, string> API paths already checked, and their URLs */
    private array $urls = [];

    /**
     * Call the API with the access token; throws an APIStatusError on an error status.
     * A 401 token error triggers one refresh and one retry of the call (Decide::after401).
     *
     * @param array<string, scalar|null>|null $query
     * @param array<string, scalar|null>|null $form
     * @param array<string, string> $headers
     */
    public function request(
        string $method,
        string $path,
        #[\SensitiveParameter] ?array $query = null,
        #[\SensitiveParameter] mixed $json = null,
        #[\SensitiveParameter] ?array $form = null,
        #[\SensitiveParameter] array $headers = [],
    ): ApiResponse {
        if ($method !== 'GET') {
            $method = \strtoupper($method); // get()'s 'GET' needs no call
        }
        // A path found safe once is not checked again (the origin never changes).
        $url = $this->urls[$path] ?? $this->checkedUrl($path);
        if ($headers !== []) {
            Origin::checkHeaders($headers);
        }
        $state = $this->ledger->state;
        if (
            $state === null || $this->ledger->unsaved
            || ($this->autoRefresh && $state->accessDue($this->systemClock ? \microtime(true) : $this->now(), $this->refreshMargin))
        ) {
            $state = $this->access();
        }
        $seen = $this->ledger->generation;
        $transport = ($this->sealedTransport)(); // as transport(), one call fewer per request
        for ($sends = 1; ; $sends++) {
            try {
                return $transport->send($method, $url, false, $state, $query, $form, $json, $headers);
            } catch (AuthenticationError $error) {
                $step = Decide::after401($sends, self::isTokenFailure($error), $this->autoRefresh);
                if ($step === 'refresh') {
                    $state = $this->rotate($seen, true);
                } else {
                    // Another worker (or a central refresher) may have rotated the tokens.
                    $fresh = $step === 'reload' ? $this->store->synchronized(fn (): ?AuthState => $this->ledger->reload()) : null;
                    if ($fresh === null || $this->ledger->generation === $seen) {
                        throw $error;
                    }
                    $state = $fresh;
                }
                $seen = $this->ledger->generation;
            }
        }
    }

    /** The URL for an API path (Origin::url), remembered for the next call with that path. */
    private function checkedUrl(string $path): string
    {
        $url = $this->origin->url($path);
        if (count($this->urls) >= self::KNOWN_PATHS) {
            $this->urls = [];
        }
        return $this->urls[$path] = $url;
    }

    private static function isTokenFailure(AuthenticationError $error): bool
    {
        return $error instanceof TokenError || (
            get_class($error) === AuthenticationError::class
            && $error->error === null
            && array_diff($error->errorCodes, Constants::TOKEN_ERROR_CODES) === []
        );
    }
}
