<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * The wire under Session: one request out over curl, bounded retries, and the typed error for
 * an error status.
 *
 * One curl handle per platform (connections are reused; a forked child makes its own), a total
 * deadline on every request (CURLOPT_TIMEOUT_MS: connect, send and receive together), and no
 * redirect ever followed. A refresh or code grant (`$client` requests) is never replayed once
 * it may have arrived.
 *
 * No answer is held past `$maxResponseBytes`, compressed or inflated: a declared length over it
 * is refused before the body (CURLOPT_MAXFILESIZE), and the body curl writes (inflated by curl in
 * small steps) is counted as it comes; past the limit the transfer stops (ResponseTooLargeError).
 * The header lines go to a memory stream (in C, no PHP call per line); only the body reaches
 * PHP's write callback, once per chunk. gzip and deflate are asked for, as in every language
 * (an Accept-Encoding line costs curl about 4k instructions to format, 4% of a call; large API
 * answers are worth it), and inflated by curl, bounded as above. The proxy (Proxy.php decides which, once) is handed to curl; curl reads no
 * proxy variable.
 *
 * Functions on the path of every call are written fully qualified (`\curl_exec`): PHP then binds
 * them when it compiles this file, instead of looking in this namespace first at run time.
 */
final class Transport
{
    private const IDEMPOTENT = Constants::IDEMPOTENT_METHODS;
    private const RETRY_STATUSES = Constants::RETRY_STATUSES;

    /** Whether the app has a secret (token requests then use Basic auth). */
    public readonly bool $confidential;
    private readonly ?string $basic;
    /** The User-Agent header line (a line of its own: curl would format CURLOPT_USERAGENT anew per request). */
    private readonly string $agentLine;
    /** The tokens of the last authenticated call, and its header lines (made once per token). */
    private ?TokenInfo $bearerOf = null;
    /** @var list<string> */
    private array $bearerLines = [];
    private ?\CurlHandle $curl = null;
    private int|false $curlPid = false;
    /** What the curl handle is set up to send (a body-less request): method, URL, header lines. */
    private string $lastMethod = '';
    private string $lastUrl = '';
    /** @var list<string>|null */
    private ?array $lastLines = null;
    /** What curl wrote of the current answer's body. */
    private string $received = '';
    /** Where curl writes the current answer's header lines (from its start: rewound per request). */
    private mixed $heads = null;

    /**
     * @param \Closure(): float $clock
     * @param \Closure(float): void $sleep
     * @param null|\Closure(string, string): void $logger
     * @param \Closure(RateLimitError): void $onLongWait told of each wait on a rate limit longer
     *        than Constants::ANNOUNCE_WAIT (the rate_limit_wait event), after its warning
     */
    public function __construct(
        string $appKey,
        #[\SensitiveParameter] ?string $appSecret,
        private readonly Origin $origin,
        private readonly Redactor $redactor,
        private readonly float $timeout,
        private readonly int $maxRetries,
        private readonly float $maxRetryWait,
        private readonly \Closure $clock,
        private readonly \Closure $sleep,
        private readonly ?\Closure $logger,
        private readonly \Closure $onLongWait,
        ?string $userAgent,
        private readonly ?Proxy $proxy = null,
        private readonly int $maxResponseBytes = Constants::MAX_RESPONSE_BYTES,
    ) {
        $agent = 'rcsdk-php/' . Constants::VERSION . ' php/' . PHP_VERSION . ' curl/' . (curl_version()['version'] ?? '?');
        if ($userAgent !== null) {
            Origin::checkField('userAgent', $userAgent);
            if (preg_match('/[^\x09\x20-\x7e]/', $userAgent) === 1) {
                throw new UsageError('userAgent contains a non-ASCII character');
            }
        }
        $this->agentLine = 'User-Agent: ' . ($userAgent !== null ? "{$userAgent} {$agent}" : $agent);
        $secret = $appSecret === '' ? null : $appSecret;
        if ($secret !== null) {
            $encoded = base64_encode("{$appKey}:{$secret}");
            $this->basic = "Basic {$encoded}";
            $this->redactor->add($secret, $encoded);
        } else {
            $this->basic = null;
        }
        $this->confidential = $this->basic !== null;
        if ($proxy !== null && $proxy->secrets !== []) {
            $this->redactor->add(...$proxy->secrets);
        }
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['server' => $this->origin->base, 'confidential' => $this->confidential];
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

    /**
     * Send one request, with bounded retries; return a 2xx response or throw.
     *
     * @param array<string, scalar|null>|null $query
     * @param array<string, scalar|null>|null $form
     * @param array<string, string> $headers
     */
    public function send(
        string $method,
        string $path,
        bool $client = false,
        #[\SensitiveParameter] ?AuthState $bearer = null,
        #[\SensitiveParameter] ?array $query = null,
        #[\SensitiveParameter] ?array $form = null,
        #[\SensitiveParameter] mixed $json = null,
        #[\SensitiveParameter] array $headers = [],
    ): ApiResponse {
        $url = $path !== '' && $path[0] === '/' ? $this->origin->base . $path : $path;
        if ($query !== null && $query !== []) {
            $url .= (str_contains($url, '?') ? '&' : '?') . self::encode($query);
        }
        $body = null;
        if ($bearer !== null && $form === null && $json === null && $headers === []) {
            // Most calls: no body, no headers of the caller's. Their lines change with the token only.
            if ($bearer->token !== $this->bearerOf) {
                // Compared by object: reading a sealed token (TokenInfo::__get) costs a call.
                $this->bearerOf = $bearer->token;
                $this->bearerLines = ['Accept: application/json', $this->agentLine, 'Authorization: Bearer ' . $bearer->token->accessToken];
            }
            $lines = $this->bearerLines;
        } else {
            // curl scans every header line it is given several times per request: no more than needed.
            $lines = ['Accept: application/json', $this->agentLine];
            if ($form !== null) {
                $body = self::encode($form);
                $lines[] = 'Content-Type: application/x-www-form-urlencoded';
            } elseif ($json !== null) {
                $body = json_encode($json, JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
                $lines[] = 'Content-Type: application/json';
            }
            if ($body !== null) {
                $lines[] = 'Expect:'; // no 100-continue round trip before a large body
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
        }
        // A refresh or code grant is single-use: never replay it once it may have arrived.
        $replayable = isset(self::IDEMPOTENT[$method]) && !$client;
        $attempt = 0;
        $waited = 0.0;
        while (true) {
            $sentAt = $this->logger !== null ? $this->now() : 0.0;
            $response = $this->transfer($method, $url, $lines, $body);
            $group = null;
            if ($response instanceof ApiResponse) {
                if ($this->logger !== null) {
                    $this->debug($method, $url, $form, $response, $sentAt);
                }
                if ($response->status < 300) {
                    return $response;
                }
                $error = $this->statusError($response);
                $maybeArrived = !($error instanceof RateLimitError) && $response->status !== 503;
                $group = $response->header('X-Rate-Limit-Group');
            } else {
                [$error, $maybeArrived] = $response;
            }
            $delay = $this->retryDelay($error, $attempt, $maybeArrived, $replayable);
            if ($delay === null || $attempt >= $this->maxRetries || $waited + $delay > $this->maxRetryWait) {
                throw $error;
            }
            if ($error instanceof RateLimitError && $delay > Constants::ANNOUNCE_WAIT) {
                // Where a person sees it: a warning (error_log unless a logger is set) and the event.
                $this->log('warning', sprintf(
                    'rcsdk: rate limited (%s group) on %s %s; waiting %.0f s before retrying (pass maxRetries: 0 to fail fast with RateLimitError instead)',
                    $group ?? 'unnamed',
                    $method,
                    $this->redactor->text($url),
                    $delay,
                ));
                ($this->onLongWait)($error);
            } else {
                $this->log('info', sprintf(
                    'rcsdk: %s %s failed (%s); retry %d in %.2fs',
                    $method,
                    $this->redactor->text($url),
                    (new \ReflectionClass($error))->getShortName(),
                    $attempt + 1,
                    $delay,
                ));
            }
            ($this->sleep)($delay);
            $attempt++;
            $waited += $delay;
        }
    }

    /**
     * One HTTP exchange: the response, or the error and whether the request may have arrived.
     *
     * @param list<string> $lines
     * @return ApiResponse|array{RCSDKError, bool}
     */
    private function transfer(string $method, string $url, #[\SensitiveParameter] array $lines, #[\SensitiveParameter] ?string $body): ApiResponse|array
    {
        $curl = $this->curl;
        if ($curl === null || $this->curlPid !== \getmypid()) {
            $curl = $this->handle();
        }
        if ($body !== null || $lines !== $this->lastLines || $url !== $this->lastUrl || $method !== $this->lastMethod) {
            // Not the last request again (as a polling loop makes): set the handle up for it.
            $this->prepare($curl, $method, $url, $lines, $body);
        }
        $heads = $this->heads;
        \rewind($heads);
        $this->received = '';
        if (\curl_exec($curl) === true) {
            // curl_exec() returns true only when the transfer succeeded (errno 0); it has flushed
            // the header stream. Bytes past ftell() are a longer earlier answer's: not read.
            $content = $this->received;
            $this->received = '';
            return new ApiResponse((int) \curl_getinfo($curl, \CURLINFO_RESPONSE_CODE), (string) \stream_get_contents($heads, \ftell($heads), 0), $content);
        }
        $failure = $this->failure($curl, $url);
        $this->received = '';
        // curl_exec() flushes the header stream only after a transfer that succeeded: lines of
        // this one may still sit in its buffer. The next request gets a new handle and stream.
        $this->curl = null;
        return $failure;
    }

    /** One handle (and its connections) per process: a forked child makes its own. */
    private function handle(): \CurlHandle
    {
        $curl = curl_init();
        $this->curl = $curl;
        $this->curlPid = getmypid();
        $this->lastLines = null;
        $heads = fopen('php://memory', 'w+');
        if ($heads === false) {
            throw new \RuntimeException('cannot open a php://memory stream');
        }
        $this->heads = $heads;
        curl_setopt_array($curl, [
            CURLOPT_WRITEHEADER => $heads,
            CURLOPT_WRITEFUNCTION => $this->write(...),
            CURLOPT_MAXFILESIZE => $this->maxResponseBytes,
            CURLOPT_ENCODING => 'gzip, deflate',
            CURLOPT_PROXY => $this->proxy?->url ?? '',
            CURLOPT_NOPROXY => '',
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_NETRC => CURL_NETRC_IGNORED,
            CURLOPT_TIMEOUT_MS => (int) ceil($this->timeout * 1000),
            CURLOPT_CONNECTTIMEOUT_MS => (int) ceil($this->timeout * 1000),
            CURLOPT_NOSIGNAL => true,
        ]);
        return $curl;
    }

    /** curl's write callback (the body only): keeps what arrives, and stops the transfer (0) past the limit. */
    private function write(\CurlHandle $curl, string $data): int
    {
        $this->received .= $data;
        return \strlen($this->received) > $this->maxResponseBytes ? 0 : \strlen($data);
    }

    /** @param list<string> $lines */
    private function prepare(\CurlHandle $curl, string $method, string $url, #[\SensitiveParameter] array $lines, #[\SensitiveParameter] ?string $body): void
    {
        [$this->lastMethod, $this->lastUrl, $this->lastLines] = $body === null ? [$method, $url, $lines] : ['', '', null];
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
            if ($body === null) {
                // No body: no Content-Type either (curl would add a form one), as the other clients.
                $options[CURLOPT_HTTPHEADER] = [...$lines, 'Content-Type:'];
            }
        }
        curl_setopt_array($curl, $options);
    }

    /** @return array{RCSDKError, bool} a failed transfer's typed error, and whether the request may have arrived */
    private function failure(\CurlHandle $curl, string $url): array
    {
        $errno = curl_errno($curl);
        if ($errno === CURLE_FILESIZE_EXCEEDED || ($errno === CURLE_WRITE_ERROR && strlen($this->received) > $this->maxResponseBytes)) {
            return [new ResponseTooLargeError(
                "the answer is longer than maxResponseBytes ({$this->maxResponseBytes}): not read further",
                (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE),
            ), true];
        }
        $via = $this->proxy !== null ? " via proxy {$this->proxy->netloc}" : '';
        $what = $this->redactor->text(sprintf('%s on %s%s: %s', curl_strerror($errno) ?? 'error', $url, $via, curl_error($curl)));
        $sent = (float) curl_getinfo($curl, CURLINFO_PRETRANSFER_TIME) > 0;
        if ($errno === CURLE_OPERATION_TIMEDOUT) {
            return [new APITimeoutError("timed out after {$this->timeout} s: {$what}"), $sent];
        }
        $neverSent = in_array($errno, [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY], true);
        // The first-use errors say what Python's and JavaScript's say: the server, and the likely cause.
        $host = preg_match('#^[a-z]+://([^/?\#]+)#i', $url, $m) === 1 ? $m[1] : $url;
        if ($errno === CURLE_COULDNT_CONNECT) {
            $what = "cannot connect to {$host}: connection refused (is the platform running, and is the port right?)";
        } elseif ($errno === CURLE_COULDNT_RESOLVE_HOST) {
            $what = "cannot connect to {$host}: the host name does not resolve";
        }
        return [new APIConnectionError($what), $sent && !$neverSent];
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

    public function tokenFrom(#[\SensitiveParameter] ApiResponse $response): TokenInfo
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

    private function now(): float
    {
        return (float) ($this->clock)();
    }

    private function log(string $level, string $message): void
    {
        if ($this->logger !== null) {
            ($this->logger)($level, $message);
        } elseif ($level === 'warning') {
            error_log($message); // seen without a logger: stderr from the CLI, the server's log under FPM
        }
    }
}
