<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * Client's authenticated calls: request() and its verb shortcuts. The access token is refreshed
 * first when it is due, and a 401 token error triggers one refresh and one retry, never more.
 * Used by Client only: it works on Client's private token state and Transport.
 */
trait Calls
{
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
            return $this->transport->send($method, $url, bearer: $state, query: $query, form: $form, json: $json, headers: $headers);
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
            return $this->transport->send($method, $url, bearer: $fresh, query: $query, form: $form, json: $json, headers: $headers);
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
}
