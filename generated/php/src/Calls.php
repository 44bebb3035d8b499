<?php
// Copied verbatim from templates/php/src/Calls.php by rcsdk's generator.
// Do not edit: change templates/php/src/Calls.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Client's authenticated calls: request() and its verb shortcuts. The access token is refreshed
 * first when it is due, and a 401 token error triggers one refresh and one retry, never more.
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
        if ($method !== 'GET') {
            $method = \strtoupper($method); // get()'s 'GET' needs no call
        }
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
        $transport = ($this->sealedTransport)(); // as transport(), one call fewer per request
        try {
            return $transport->send($method, $url, false, $state, $query, $form, $json, $headers);
        } catch (AuthenticationError $error) {
            if (!self::isTokenFailure($error)) {
                throw $error;
            }
            if (!$this->autoRefresh) {
                $fresh = $this->store->synchronized(fn (): ?AuthState => $this->reload());
                if ($fresh === null || $this->generation === $seen) {
                    throw $error;
                }
            } else {
                $fresh = $this->rotate($seen, true);
            }
            return $transport->send($method, $url, false, $fresh, $query, $form, $json, $headers);
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
