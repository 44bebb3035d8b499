<?php
// Copied verbatim from templates/php/src/FencedTokenStore.php by rcsdk's generator.
// Do not edit: change templates/php/src/FencedTokenStore.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * A store that numbers its writes (RedisTokenStore): the client then writes refreshed tokens only
 * over the generation they were refreshed from, and orders tokens by generation, never by a clock
 * (docs/FLEET.md). A generation is an opaque string; null means the store holds nothing at all (a
 * lost key, written back from valid tokens in memory), while data null with a generation means
 * logged out.
 */
interface FencedTokenStore extends TokenStore
{
    /** saveIf()'s `$expected` for a write that replaces whatever is stored. */
    public const ANY = '*';

    /** @return array{0: array<string, mixed>|null, 1: string|null} the auth data and its generation */
    public function loadGeneration(): array;

    /**
     * Write `$data` if the store holds generation `$expected` (null: nothing; ANY: anything).
     *
     * @param array<string, mixed>|null $data
     * @return array{0: bool, 1: array<string, mixed>|null, 2: string|null} whether it wrote, and
     *         the data and generation the store holds now
     */
    public function saveIf(#[\SensitiveParameter] ?array $data, ?string $expected): array;
}
