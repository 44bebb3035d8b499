<?php
// Copied verbatim from templates/php/src/Client.php by rcsdk's generator.
// Do not edit: change templates/php/src/Client.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * The machinery under Platform: the wire (curl), retries, and the token lifecycle.
 *
 * One curl handle per platform (connections are reused; a forked child makes its own), a total
 * deadline on every request (CURLOPT_TIMEOUT_MS: connect, send and receive together), no
 * redirect ever followed, and a token lifecycle built for RingCentral's single-use refresh
 * tokens:
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
    private const IDEMPOTENT = ['GET' => true, 'HEAD' => true, 'OPTIONS' => true, 'PUT' => true, 'DELETE' => true];
    private const RETRY_STATUSES = [502 => true, 503 => true, 504 => true];
    private const REDIRECTS = [301 => true, 302 => true, 303 => true, 307 => true, 308 => true];

    public readonly string $appKey;
    public readonly string $server;
    public readonly TokenStore $store;
    protected readonly Origin $origin;
    protected readonly Redactor $redactor;
    private readonly Emitter $emitter;
    private readonly ?string $basic;
    private readonly \Closure $clock;
    private readonly \Closure $sleep;
    private readonly ?\Closure $logger;
    private readonly string $userAgent;
    private ?AuthState $state = null;
    private bool $unsaved = false;
    /** The refresh token the store held when it refused our tokens. */
    private ?string $unsavedOver = null;
    private ?\CurlHandle $curl = null;
    private int $curlPid = 0;
    /** What the curl handle is set up to send (method, URL and headers of a body-less request). */
    private ?string $lastRequest = null;

    /**
     * @param string|null $appSecret null or '' for a public (PKCE) app: token requests then send client_id
     * @param null|callable(): float $clock seconds since the epoch (injectable for tests)
     * @param null|callable(float): void $sleep waits between retries (injectable for tests)
     * @param null|callable(string, string): void $logger receives (level, message), every secret blanked;
     *        levels: debug (each request and response), info (retries), warning, error
     */
    public function __construct(
        string $appKey,
        #[\SensitiveParameter] ?string $appSecret,
        string $server,
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
    ) {
        if ($appKey === '') {
            throw new UsageError('appKey is required');
        }
        Origin::checkField('appKey', $appKey);
        Origin::checkField('appSecret', $appSecret);
        if (!($timeout > 0) || is_infinite($timeout)) {
            throw new UsageError("timeout must be a positive number of seconds, not {$timeout}");
        }
        if ($maxRetries < 0 || $maxRetryWait < 0 || !($refreshMargin >= 0)) {
            throw new UsageError('maxRetries, maxRetryWait and refreshMargin must not be negative');
        }
        $this->logger = $logger === null ? null : \Closure::fromCallable($logger);
        $this->origin = Origin::of($server, $allowInsecureHttp);
        if ($allowInsecureHttp && $this->origin->scheme === 'http' && !Origin::isLoopback($this->origin->host)) {
            $this->log('warning', "rcsdk: plain HTTP to {$this->origin->netloc} (allowInsecureHttp): credentials cross the network unencrypted");
        }
        $this->appKey = $appKey;
        $this->server = $this->origin->base;
        $this->store = $store ?? new MemoryTokenStore();
        $this->clock = $clock === null ? static fn (): float => microtime(true) : \Closure::fromCallable($clock);
        $this->sleep = $sleep === null
            ? static function (float $seconds): void {
                usleep((int) round($seconds * 1e6));
            }
            : \Closure::fromCallable($sleep);
        $this->redactor = new Redactor();
        $this->emitter = new Emitter($this->logger);
        $agent = 'rcsdk-php/' . Constants::VERSION . ' php/' . PHP_VERSION . ' curl/' . (curl_version()['version'] ?? '?');
        if ($userAgent !== null) {
            Origin::checkField('userAgent', $userAgent);
        }
        $this->userAgent = $userAgent !== null ? "{$userAgent} {$agent}" : $agent;
        $secret = $appSecret === '' ? null : $appSecret;
        if ($secret !== null) {
            $encoded = base64_encode("{$appKey}:{$secret}");
            $this->basic = "Basic {$encoded}";
            $this->redactor->add($secret, $encoded);
        } else {
            $this->basic = null;
        }
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
            $token = $this->tokenFrom($this->send('POST', Constants::TOKEN_PATH, client: true, form: $this->clientForm($form)));
        } catch (RCSDKError $error) {
            $this->emit($failure, $error);
            throw $error;
        }
        $state = AuthState::issued($token, $this->now());
        $storeError = $this->store->synchronized(fn (): ?TokenStoreError => $this->keep($state));
        $this->emit($success, $token);
        $this->reportStore($storeError);
        return $token;
    }

    // --- the token lifecycle ----------------------------------------------------------------

    /**
     * Refresh unless another process already replaced `$seen`; return the tokens in use.
     * `$seen` is the state the caller found due or rejected; null forces a refresh.
     */
    protected function rotate(?AuthState $seen): AuthState
    {
        /** @var list<array{string, mixed}> $events */
        $events = [];
        $storeError = null;
        try {
            $fresh = $this->store->synchronized(function () use ($seen, &$events, &$storeError): AuthState {
                $current = $this->reload();
                $now = $this->now();
                if ($current === null) {
                    throw new LoginRequiredError('no tokens: log in first');
                }
                if (
                    $seen !== null
                    && $current->token->accessToken !== $seen->token->accessToken
                    && !$current->accessDue($now, $this->refreshMargin)
                ) {
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
                    $response = $this->send('POST', Constants::TOKEN_PATH, client: true, form: $this->refreshForm($current));
                    $token = $this->tokenFrom($response);
                } catch (APIStatusError $error) {
                    $events[] = [Event::REFRESH_ERROR, $error];
                    if (self::endsSession($error)) {
                        // The platform's verdict on this very refresh token (the store still
                        // holds it: we hold its lock): the session is over.
                        $this->keep(null);
                        $events[] = [Event::ACCESS_VIOLATION, $error];
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
                if ($storeError !== null && self::storeErrorEvent() !== null) {
                    $events[] = [self::storeErrorEvent(), $storeError];
                }
                return $fresh;
            });
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
                $this->send('POST', $path, client: true, form: $this->clientForm($form));
            } catch (RCSDKError $caught) {
                $error = $caught;
            }
        }
        $storeError = $this->store->synchronized(fn (): ?TokenStoreError => $this->keep(null));
        $this->reportStore($storeError);
        if ($error !== null) {
            $this->emit($failure, $error);
            throw $error;
        }
        $this->emit($success, null);
    }

    /**
     * The tokens and their expiry times, in the format the Python and JavaScript clients use
     * too (`[]` when logged out); setAuthData() takes it back exactly.
     *
     * @return array<string, mixed>
     */
    public function getAuthData(): array
    {
        $state = $this->current();
        return $state !== null ? $state->toJson() : [];
    }

    /**
     * Restore what getAuthData() returned (`[]` or null log out locally).
     * Throws AuthDataError for data of an unknown version or shape.
     *
     * @param array<string, mixed>|null $data
     */
    public function setAuthData(#[\SensitiveParameter] ?array $data): void
    {
        $state = AuthState::fromJson($data);
        $this->reportStore($this->store->synchronized(fn (): ?TokenStoreError => $this->keep($state)));
    }

    /** Whether calls can be authorized without a new login (valid or refreshable tokens). No request. */
    public function isAuthorized(): bool
    {
        $state = $this->current();
        return $state !== null && $state->usable($this->now());
    }

    protected function current(): ?AuthState
    {
        return $this->state ?? $this->reload();
    }

    /** Read the store: another process may have written newer tokens. */
    private function reload(): ?AuthState
    {
        $data = $this->store->load();
        if ($this->unsaved) {
            // Tokens the store refused: write them now, unless the store has newer ones by now.
            $stored = is_array($data) ? ($data['token']['refresh_token'] ?? null) : null;
            if ($stored === $this->unsavedOver) {
                $this->reportStore($this->keep($this->state));
                return $this->state;
            }
            $this->unsaved = false;
        }
        $state = AuthState::fromJson($data);
        $this->state = $state;
        if ($state !== null) {
            $this->redactor->addTokens($state->token->accessToken, $state->token->refreshToken);
        }
        return $state;
    }

    /**
     * Use tokens, and save them (callers hold the store's lock). A failed save keeps them in
     * use, to be written later, and is returned (for Event::STORE_ERROR), never thrown.
     */
    private function keep(?AuthState $state): ?TokenStoreError
    {
        $replaced = $this->unsaved ? $this->unsavedOver : $this->state?->token->refreshToken;
        $this->state = $state;
        if ($state !== null) {
            $this->redactor->addTokens($state->token->accessToken, $state->token->refreshToken, $state->token->idToken);
        }
        try {
            $this->store->save($state?->toJson());
        } catch (TokenStoreError $error) {
            if (!$this->unsaved) {
                $this->unsavedOver = $replaced;
            }
            $this->unsaved = true;
            $this->log('warning', 'rcsdk: tokens kept in memory, the store did not take them: ' . $this->redactor->text($error->getMessage()));
            return $error;
        }
        $this->unsaved = false;
        $this->unsavedOver = null;
        return null;
    }

    private function reportStore(?TokenStoreError $error): void
    {
        $event = self::storeErrorEvent();
        if ($error !== null && $event !== null) {
            $this->emit($event, $error);
        }
    }

    /** Event::STORE_ERROR, when the spec has the event (a spec may leave it out). */
    private static function storeErrorEvent(): ?string
    {
        $name = Event::class . '::STORE_ERROR';
        return defined($name) ? (string) constant($name) : null;
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

    /** Tokens fit for a call: refreshed first when they are due. */
    private function access(): AuthState
    {
        if ($this->unsaved) {
            // Tokens the store refused earlier: write them now if it takes them.
            $this->store->synchronized(fn (): ?AuthState => $this->reload());
        }
        $state = $this->current();
        if ($state === null) {
            throw new LoginRequiredError('no tokens: log in first');
        }
        if ($this->autoRefresh && $state->accessDue($this->now(), $this->refreshMargin)) {
            $state = $this->rotate($state);
        }
        return $state;
    }

    // --- authenticated calls ----------------------------------------------------------------

    /**
     * Call the API with the access token; throws an APIStatusError on an error status.
     * A 401 token error triggers one refresh and one retry of the call, never more.
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
        $method = strtoupper($method);
        $url = $this->origin->url($path);
        Origin::checkHeaders($headers);
        $state = $this->access();
        try {
            return $this->send($method, $url, bearer: $state, query: $query, form: $form, json: $json, headers: $headers);
        } catch (AuthenticationError $error) {
            if (!self::isTokenFailure($error)) {
                throw $error;
            }
            if (!$this->autoRefresh) {
                $fresh = $this->store->synchronized(fn (): ?AuthState => $this->reload());
                if ($fresh === null || $fresh->token->accessToken === $state->token->accessToken) {
                    throw $error;
                }
            } else {
                $fresh = $this->rotate($state);
            }
            return $this->send($method, $url, bearer: $fresh, query: $query, form: $form, json: $json, headers: $headers);
        }
    }

    /**
     * GET an API path (`/restapi/v1.0/...`, or a URL on the platform's own origin).
     *
     * @param array<string, scalar|null>|null $query
     */
    public function get(string $path, ?array $query = null): ApiResponse
    {
        return $this->request('GET', $path, query: $query);
    }

    /** @param array<string, scalar|null>|null $query */
    public function post(string $path, mixed $json = null, ?array $query = null): ApiResponse
    {
        return $this->request('POST', $path, query: $query, json: $json);
    }

    /** @param array<string, scalar|null>|null $query */
    public function put(string $path, mixed $json = null, ?array $query = null): ApiResponse
    {
        return $this->request('PUT', $path, query: $query, json: $json);
    }

    /** @param array<string, scalar|null>|null $query */
    public function patch(string $path, mixed $json = null, ?array $query = null): ApiResponse
    {
        return $this->request('PATCH', $path, query: $query, json: $json);
    }

    /** @param array<string, scalar|null>|null $query */
    public function delete(string $path, ?array $query = null): ApiResponse
    {
        return $this->request('DELETE', $path, query: $query);
    }

    private static function isTokenFailure(AuthenticationError $error): bool
    {
        return $error instanceof TokenError || (
            get_class($error) === AuthenticationError::class
            && $error->error === null
            && array_diff($error->errorCodes, Constants::TOKEN_ERROR_CODES) === []
        );
    }

    // --- the wire ---------------------------------------------------------------------------

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
        if ($this->basic === null) {
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
        $pairs = [];
        foreach ($fields as $key => $value) {
            if ($value === null) {
                continue;
            }
            $text = is_bool($value) ? ($value ? 'true' : 'false') : (string) $value;
            $pairs[] = self::plus((string) $key) . '=' . self::plus($text);
        }
        return implode('&', $pairs);
    }

    private static function plus(string $text): string
    {
        return str_replace('%20', '+', rawurlencode($text));
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
        }
    }

    /**
     * Send one request, with bounded retries; return a 2xx response or throw.
     *
     * @param array<string, scalar|null>|null $query
     * @param array<string, scalar|null>|null $form
     * @param array<string, string> $headers
     */
    protected function send(
        string $method,
        string $path,
        bool $client = false,
        ?AuthState $bearer = null,
        #[\SensitiveParameter] ?array $query = null,
        #[\SensitiveParameter] ?array $form = null,
        #[\SensitiveParameter] mixed $json = null,
        #[\SensitiveParameter] array $headers = [],
    ): ApiResponse {
        $url = str_starts_with($path, '/') ? $this->origin->base . $path : $path;
        if ($query !== null && $query !== []) {
            $url .= (str_contains($url, '?') ? '&' : '?') . self::encode($query);
        }
        $lines = ['Accept: application/json', 'User-Agent: ' . $this->userAgent, 'Expect:'];
        $body = null;
        if ($form !== null) {
            $body = self::encode($form);
            $lines[] = 'Content-Type: application/x-www-form-urlencoded';
        } elseif ($json !== null) {
            $body = json_encode($json, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
            $lines[] = 'Content-Type: application/json';
        }
        if ($client && $this->basic !== null) {
            $headers['Authorization'] = $this->basic;
        }
        if ($bearer !== null) {
            $headers['Authorization'] = 'Bearer ' . $bearer->token->accessToken;
        }
        foreach ($headers as $key => $value) {
            $lines[] = "{$key}: {$value}";
        }
        // A refresh or code grant is single-use: never replay it once it may have arrived.
        $replayable = isset(self::IDEMPOTENT[$method]) && !$client;
        $attempt = 0;
        $waited = 0.0;
        while (true) {
            $sentAt = $this->now();
            [$response, $error, $maybeArrived] = $this->transfer($method, $url, $lines, $body);
            if ($response !== null) {
                $this->debug($method, $url, $form, $response, $sentAt);
                if ($response->status < 300) {
                    return $response;
                }
                $error = $this->statusError($response);
                $maybeArrived = !($error instanceof RateLimitError) && $response->status !== 503;
            }
            \assert($error instanceof RCSDKError);
            $delay = $this->retryDelay($error, $attempt, $maybeArrived, $replayable);
            if ($delay === null || $attempt >= $this->maxRetries || $waited + $delay > $this->maxRetryWait) {
                throw $error;
            }
            $this->log('info', sprintf(
                'rcsdk: %s %s failed (%s); retry %d in %.2fs',
                $method,
                $this->redactor->text($url),
                (new \ReflectionClass($error))->getShortName(),
                $attempt + 1,
                $delay,
            ));
            ($this->sleep)($delay);
            $attempt++;
            $waited += $delay;
        }
    }

    /**
     * One HTTP exchange.
     *
     * @param list<string> $lines
     * @return array{?ApiResponse, ?RCSDKError, bool}
     */
    private function transfer(string $method, string $url, #[\SensitiveParameter] array $lines, #[\SensitiveParameter] ?string $body): array
    {
        $pid = (int) getmypid();
        if ($this->curl === null || $this->curlPid !== $pid) {
            // One handle (and its connections) per process: a forked child makes its own.
            $this->curl = curl_init();
            $this->curlPid = $pid;
            $this->lastRequest = null;
            curl_setopt_array($this->curl, [
                CURLOPT_RETURNTRANSFER => true,
                CURLOPT_HEADER => true,
                CURLOPT_FOLLOWLOCATION => false,
                CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
                CURLOPT_NETRC => CURL_NETRC_IGNORED,
                CURLOPT_TIMEOUT_MS => (int) ceil($this->timeout * 1000),
                CURLOPT_CONNECTTIMEOUT_MS => (int) ceil($this->timeout * 1000),
                CURLOPT_NOSIGNAL => true,
            ]);
        }
        $curl = $this->curl;
        $key = $body === null ? $method . ' ' . $url . "\n" . implode("\n", $lines) : null;
        if ($key !== null && $key === $this->lastRequest) {
            // The same request again (a polling loop, say): the handle is set up for it already.
            return $this->exchange($curl, $url);
        }
        $this->lastRequest = $key;
        $options = [CURLOPT_URL => $url, CURLOPT_HTTPHEADER => $lines];
        if ($method === 'GET') {
            $options[CURLOPT_HTTPGET] = true;
            $options[CURLOPT_CUSTOMREQUEST] = null;
            $options[CURLOPT_NOBODY] = false;
        } elseif ($method === 'HEAD') {
            $options[CURLOPT_CUSTOMREQUEST] = null;
            $options[CURLOPT_NOBODY] = true;
        } else {
            $options[CURLOPT_NOBODY] = false;
            $options[CURLOPT_CUSTOMREQUEST] = $method;
            $options[CURLOPT_POSTFIELDS] = $body ?? '';
        }
        curl_setopt_array($curl, $options);
        return $this->exchange($curl, $url);
    }

    /** @return array{?ApiResponse, ?RCSDKError, bool} */
    private function exchange(\CurlHandle $curl, string $url): array
    {
        $content = curl_exec($curl);
        $errno = curl_errno($curl);
        if ($errno !== 0 || !is_string($content)) {
            $what = $this->redactor->text(sprintf('%s on %s: %s', curl_strerror($errno) ?? 'error', $url, curl_error($curl)));
            $sent = (float) curl_getinfo($curl, CURLINFO_PRETRANSFER_TIME) > 0;
            if ($errno === CURLE_OPERATION_TIMEDOUT) {
                return [null, new APITimeoutError("timed out after {$this->timeout} s: {$what}"), $sent];
            }
            $neverSent = in_array($errno, [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY], true);
            return [null, new APIConnectionError($what), $sent && !$neverSent];
        }
        $size = (int) curl_getinfo($curl, CURLINFO_HEADER_SIZE);
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        return [new ApiResponse($status, substr($content, 0, $size), (string) substr($content, $size)), null, true];
    }

    private function retryDelay(RCSDKError $error, int $attempt, bool $maybeArrived, bool $replayable): ?float
    {
        if ($error instanceof RateLimitError) {
            return $error->retryAfter;
        }
        if ($maybeArrived && !$replayable) {
            return null;
        }
        if ($error instanceof InternalServerError && isset(self::RETRY_STATUSES[$error->statusCode])) {
            return $error->retryAfter ?? Retry::backoff($attempt);
        }
        if ($error instanceof APIConnectionError) {
            return Retry::backoff($attempt);
        }
        return null;
    }

    private function statusError(#[\SensitiveParameter] ApiResponse $response): APIStatusError
    {
        $status = $response->status;
        $requestId = $response->header('RCRequestId') ?? $response->header('X-Request-Id');
        $requestId = $requestId === null ? null : $this->redactor->text($requestId);
        if ($status < 400) {
            $location = $response->header('Location') ?? '';
            $host = parse_url($location, PHP_URL_HOST);
            $port = parse_url($location, PHP_URL_PORT);
            // host:port, as the other clients name it (another port is another origin).
            $host = is_string($host) && $host !== '' && is_int($port) ? "{$host}:{$port}" : $host;
            $target = is_string($host) && $host !== '' ? $host : ($location === '' ? 'nowhere (no Location)' : 'the same host');
            return new RedirectError(
                $this->redactor->text("{$status} unexpected redirect to {$target}: rcsdk never follows redirects"),
                $status,
                requestId: $requestId,
            );
        }
        $body = ApiResponse::decode($response->body);
        $fields = Read::isMap($body) ? ErrorBody::fromJson($body) : null;
        $codes = [];
        $error = $description = null;
        if ($fields !== null) {
            foreach ([$fields->errorCode, ...array_map(static fn (ErrorItem $e): ?string => $e->errorCode, $fields->errors)] as $code) {
                if ($code !== null && $code !== '' && !in_array($code, $codes, true)) {
                    $codes[] = $code;
                }
            }
            $error = $fields->error;
            $description = $fields->errorDescription;
        }
        $retryAfter = null;
        if ($status === 429) {
            $retryAfter = Retry::rateLimitDelay($response->headers(), $this->now());
        } elseif (isset(self::RETRY_STATUSES[$status])) {
            $retryAfter = Retry::parseRetryAfter($response->header('Retry-After'), $this->now());
        }
        $class = Errors::classFor($status, $error, $codes);
        $detail = $description ?? $fields?->message;
        if ($detail === null && $fields !== null && $fields->errors !== []) {
            $detail = $fields->errors[0]->message;
        }
        if ($detail === null && $fields === null) {
            $detail = $body === null ? 'no JSON body' : null;
        }
        $message = $status . ' ' . ($error ?? (new \ReflectionClass($class))->getShortName());
        if ($codes !== []) {
            $message .= ' [' . implode(', ', $codes) . ']';
        }
        if ($detail !== null && $detail !== '') {
            $message .= ": {$detail}";
        }
        return new $class(
            $this->redactor->text($message),
            $status,
            $error === null ? null : $this->redactor->text($error),
            $description === null ? null : $this->redactor->text($description),
            $codes,
            $requestId,
            Read::isMap($body) ? $this->redactor->value($body) : null,
            $retryAfter,
        );
    }

    protected function tokenFrom(#[\SensitiveParameter] ApiResponse $response): TokenInfo
    {
        if ($response->status !== 200) {
            throw new ResponseFormatError("token response has status {$response->status}, not 200", $response->status);
        }
        $body = ApiResponse::decode($response->body);
        if ($body === null) {
            throw new ResponseFormatError("{$response->status} response is not JSON", $response->status);
        }
        try {
            $token = TokenInfo::fromJson($body);
        } catch (\UnexpectedValueException $error) {
            throw new ResponseFormatError('token response unusable: ' . $error->getMessage(), $response->status);
        }
        $this->redactor->addTokens($token->accessToken, $token->refreshToken, $token->idToken);
        return $token;
    }

    /** @param array<string, scalar|null>|null $form */
    private function debug(string $method, string $url, #[\SensitiveParameter] ?array $form, #[\SensitiveParameter] ApiResponse $response, float $sentAt): void
    {
        if ($this->logger === null) {
            return;
        }
        $this->log('debug', $this->redactor->text(sprintf(
            'rcsdk: %s %s form=%s -> %d in %.3fs: %s',
            $method,
            $url,
            json_encode(Redactor::form($form), JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE),
            $response->status,
            $this->now() - $sentAt,
            Redactor::body($response->body),
        )));
    }
}
