<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * Client's authenticated calls: request() and its verb shortcuts. The access token is refreshed
 * first when it is due, and a 401 token error triggers one refresh and one retry, and a second
 * retry only with tokens another worker rotated in meanwhile (Decide::after401).
 * Used by Client only: it works on Client's private token state and Transport.
 */
trait Calls
{
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
        $method = \strtoupper($method);
        // A path found safe once is not checked again (the origin never changes).
        $url = $this->urls[$path] ?? $this->checkedUrl($path);
        if ($headers !== []) {
            Origin::checkHeaders($headers);
        }
        $state = $this->state;
        if (
            $state === null || $this->unsaved
            || ($this->autoRefresh && $state->accessDue($this->systemClock ? \microtime(true) : $this->now(), $this->refreshMargin))
        ) {
            $state = $this->access();
        }
        $seen = $this->generation;
        for ($sends = 1; ; $sends++) {
            try {
                return $this->transport()->send($method, $url, false, $state, $query, $form, $json, $headers);
            } catch (AuthenticationError $error) {
                $step = Decide::after401($sends, self::isTokenFailure($error), $this->autoRefresh);
                if ($step === 'refresh') {
                    $state = $this->rotate($seen, true);
                } else {
                    // Another worker (or a central refresher) may have rotated the tokens.
                    $fresh = $step === 'reload' ? $this->store->synchronized(fn (): ?AuthState => $this->reload()) : null;
                    if ($fresh === null || $this->generation === $seen) {
                        throw $error;
                    }
                    $state = $fresh;
                }
                $seen = $this->generation;
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

    /**
     * GET an API path (`/restapi/v1.0/...`, or a URL on the platform's own origin).
     *
     * @param array<string, scalar|null>|null $query
     */
    public function get(string $path, ?array $query = null): ApiResponse
    {
        return $this->request('GET', $path, $query);
    }

    /** @param array<string, scalar|null>|null $query */
    public function post(string $path, mixed $json = null, ?array $query = null): ApiResponse
    {
        return $this->request('POST', $path, $query, $json);
    }

    /** @param array<string, scalar|null>|null $query */
    public function put(string $path, mixed $json = null, ?array $query = null): ApiResponse
    {
        return $this->request('PUT', $path, $query, $json);
    }

    /** @param array<string, scalar|null>|null $query */
    public function patch(string $path, mixed $json = null, ?array $query = null): ApiResponse
    {
        return $this->request('PATCH', $path, $query, $json);
    }

    /** @param array<string, scalar|null>|null $query */
    public function delete(string $path, ?array $query = null): ApiResponse
    {
        return $this->request('DELETE', $path, $query);
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
