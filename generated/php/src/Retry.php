<?php
// Copied verbatim from templates/php/src/Retry.php by rcsdk's generator.
// Do not edit: change templates/php/src/Retry.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/** How long to wait before retrying: Retry-After, rate-limit windows, exponential backoff. */
final class Retry
{
    /**
     * Seconds to wait from a Retry-After header (delay-seconds or an HTTP date).
     *
     * A date in the past means 0. Garbage, negative or non-finite values mean "not said" (null).
     */
    public static function parseRetryAfter(?string $value, float $now): ?float
    {
        if ($value === null) {
            return null;
        }
        $value = trim($value);
        if ($value === '') {
            return null;
        }
        if (is_numeric($value)) {
            $seconds = (float) $value;
            return is_finite($seconds) && $seconds >= 0 ? $seconds : null;
        }
        if (preg_match('/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC|\+0000)$/', $value) !== 1) {
            return null;
        }
        $when = \DateTimeImmutable::createFromFormat('D, d M Y H:i:s T', $value, new \DateTimeZone('UTC'));
        if ($when === false) {
            return null;
        }
        return max(0.0, (float) $when->getTimestamp() - $now);
    }

    /**
     * The wait a 429 asks for: Retry-After, else X-Rate-Limit-Window, else the fallback.
     *
     * @param array<string, string> $headers lower-case names
     */
    public static function rateLimitDelay(array $headers, float $now): float
    {
        $delay = self::parseRetryAfter($headers['retry-after'] ?? null, $now);
        $delay ??= self::parseRetryAfter($headers['x-rate-limit-window'] ?? null, $now);
        return $delay ?? (float) Constants::RATE_LIMIT_FALLBACK;
    }

    /** Exponential backoff, jittered in its upper half: attempt 0 waits 0.25 to 0.5 s. */
    public static function backoff(int $attempt): float
    {
        $ceiling = Constants::BACKOFF_BASE * (2 ** $attempt);
        return $ceiling * (0.5 + 0.5 * (mt_rand() / mt_getrandmax()));
    }
}
