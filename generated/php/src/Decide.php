<?php
// Copied verbatim from templates/php/src/Decide.php by rcsdk's generator.
// Do not edit: change templates/php/src/Decide.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * The decisions of the token lifecycle, as functions of values: no clock, no store, no I/O (the
 * same functions, under the same names, as Python's rcsdk/_decide.py, JavaScript's decide.ts
 * and Go's decide.go). Each is run by every language from one table
 * (tests/cases/decisions.json); callers read the clock and the store, and act on what these
 * return.
 */
final class Decide
{
    /** A token's lifetime when it is a usable number of seconds, else null (unknown). */
    public static function lifetime(?int $seconds): ?int
    {
        return $seconds !== null && $seconds > 0 && $seconds <= Constants::MAX_LIFETIME ? $seconds : null;
    }

    /**
     * When a token issued at `$now` with lifetime `$seconds` expires (null: unknown, and the
     * token is used until the platform rejects it).
     */
    public static function expiry(float $now, ?int $seconds): ?float
    {
        $known = self::lifetime($seconds);
        return $known !== null ? $now + $known : null;
    }

    /**
     * Whether the access token expires within `$margin` seconds (or has expired). The margin is
     * capped at half the token's lifetime: a token just issued is never due, however
     * short-lived. An unknown expiry is never due.
     */
    public static function accessDue(int|float|null $expiresAt, ?int $expiresIn, float $now, float $margin): bool
    {
        return $now >= self::dueAt($expiresAt, $expiresIn, $margin);
    }

    /** When the access token becomes due with `$margin` (INF: never); accessDue() compares. */
    public static function dueAt(int|float|null $expiresAt, ?int $expiresIn, float $margin): float
    {
        if ($expiresAt === null) {
            return INF;
        }
        $known = self::lifetime($expiresIn);
        if ($known !== null) {
            $margin = min($margin, $known / 2);
        }
        return $expiresAt - $margin;
    }

    /** Whether a refresh can be tried: a refresh token that has not expired (or whose expiry is unknown). */
    public static function canRefresh(?string $refreshToken, int|float|null $refreshTokenExpiresAt, float $now): bool
    {
        return $refreshToken !== null && $refreshToken !== ''
            && ($refreshTokenExpiresAt === null || $now < $refreshTokenExpiresAt);
    }
}
