<?php
// Copied verbatim from templates/php/src/MemoryTokenStore.php by rcsdk's generator.
// Do not edit: change templates/php/src/MemoryTokenStore.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/** Tokens in this process's memory, lost when it exits. The default. */
final class MemoryTokenStore implements TokenStore
{
    /** @var array<string, mixed>|null */
    private ?array $data = null;

    public function load(): ?array
    {
        return $this->data;
    }

    public function save(?array $data): void
    {
        $this->data = $data;
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
