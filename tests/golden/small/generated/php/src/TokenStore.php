<?php
// Copied verbatim from templates/php/src/TokenStore.php by rcsdk's generator.
// Do not edit: change templates/php/src/TokenStore.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Where a platform keeps its tokens: the auth data array (Platform::getAuthData()).
 *
 * synchronized() runs a function under an exclusive lock, held around a refresh so that one
 * refresh runs at a time (across processes for FileTokenStore). Inside the lock the platform
 * re-reads the store and skips the refresh when someone else already rotated the tokens, then
 * writes the new ones before letting go.
 */
interface TokenStore
{
    /** @return array<string, mixed>|null the saved auth data, or null when there is none */
    public function load(): ?array;

    /** @param array<string, mixed>|null $data replaces the saved auth data (null forgets it) */
    public function save(?array $data): void;

    /**
     * Run `$fn` holding the store's exclusive lock (re-entrant in one process).
     *
     * @template T
     * @param callable(): T $fn
     * @return T
     */
    public function synchronized(callable $fn): mixed;
}
