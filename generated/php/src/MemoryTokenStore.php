<?php
// Copied verbatim from templates/php/src/MemoryTokenStore.php by rcsdk's generator.
// Do not edit: change templates/php/src/MemoryTokenStore.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Tokens in this process's memory, lost when it exits. The default.
 *
 * The auth data is sealed in a closure: no serialization of the store (or of the platform that
 * holds it) shows the tokens.
 */
final class MemoryTokenStore implements TokenStore
{
    /** The auth data, sealed: a closure that returns it, or null. */
    private ?\Closure $data = null;

    public function load(): ?array
    {
        return $this->data === null ? null : ($this->data)();
    }

    public function save(#[\SensitiveParameter] ?array $data): void
    {
        $this->data = $data === null ? null : static fn (): array => $data;
    }

    public function synchronized(callable $fn): mixed
    {
        return $fn();
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['tokens' => $this->data !== null];
    }
}
