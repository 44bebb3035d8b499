<?php
// Copied verbatim from templates/php/src/ApiResponse.php by rcsdk's generator.
// Do not edit: change templates/php/src/ApiResponse.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/** What the platform answered: status, headers (lower-case names) and the raw body. */
final class ApiResponse
{
    /** @var array<string, string>|null */
    private ?array $parsed = null;

    /**
     * @param string|array<string, string> $headers the raw header block, or parsed headers
     */
    public function __construct(
        public readonly int $status,
        private readonly string|array $head,
        public readonly string $body,
    ) {
    }

    /** @return array<string, string> lower-case names (the last block's, after any 1xx) */
    public function headers(): array
    {
        if ($this->parsed === null) {
            if (is_array($this->head)) {
                $this->parsed = array_change_key_case($this->head, CASE_LOWER);
            } else {
                $blocks = preg_split('/\r?\n\r?\n/', trim($this->head)) ?: [''];
                $parsed = [];
                foreach (explode("\n", (string) end($blocks)) as $line) {
                    $colon = strpos($line, ':');
                    if ($colon !== false) {
                        $parsed[strtolower(trim(substr($line, 0, $colon)))] = trim(substr($line, $colon + 1));
                    }
                }
                $this->parsed = $parsed;
            }
        }
        return $this->parsed;
    }

    public function header(string $name): ?string
    {
        return $this->headers()[strtolower($name)] ?? null;
    }

    /** The body decoded from JSON (objects as arrays); a ResponseFormatError when it is not JSON. */
    public function json(): mixed
    {
        try {
            // decode(), inline: one call fewer on every typed read.
            $value = $this->body === '' ? null : \json_decode($this->body, true, 64, \JSON_THROW_ON_ERROR | \JSON_BIGINT_AS_STRING);
        } catch (\JsonException) {
            $value = null;
        }
        if ($value === null) {
            throw new ResponseFormatError("{$this->status} response is not JSON", $this->status);
        }
        return $value;
    }

    /** The decoded body, or null when it is empty or not JSON. */
    public static function decode(string $body): mixed
    {
        if ($body === '') {
            return null;
        }
        try {
            return json_decode($body, true, 64, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException) {
            return null;
        }
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['status' => $this->status, 'headers' => Redactor::headers($this->headers()), 'body' => Redactor::body($this->body)];
    }
}
