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

    /**
     * Whether the platform's answer to a refresh is its verdict on the refresh token itself: a
     * 4xx `invalid_grant` with no error code or a code that names that token (expired, revoked,
     * used). A network error (status 0), a 5xx, `invalid_client`, a rate limit or a proxy's HTML
     * page are not: the tokens are kept.
     *
     * @param list<string> $errorCodes
     */
    public static function endsSession(int $status, ?string $error, array $errorCodes): bool
    {
        return $status >= 400 && $status < 500
            && $error === 'invalid_grant'
            && ($errorCodes === [] || array_intersect($errorCodes, Constants::REFRESH_REJECTED_CODES) !== []);
    }

    private const AFTER_REJECTION = ['same' => 'end', 'other' => 'adopt', 'lost' => 'drop', 'unreadable' => 'keep'];

    /**
     * What a session whose refresh token the platform rejected does, by what the store holds now
     * (read under its lock): `same` (that token, nothing newer) ends it for everyone sharing the
     * store; `other` (tokens written meanwhile) adopts those; `lost` (a fenced store lost the key:
     * the verdict is on our tokens, not on the store's) drops ours without ending it;
     * `unreadable` keeps ours.
     */
    public static function afterRejection(string $store): string
    {
        return self::AFTER_REJECTION[$store];
    }

    /**
     * What a call does when its `$sends`-th sending got a 401: 'refresh' (then send it again
     * with the new tokens), 'reload' (send it again only if the store holds tokens another
     * worker or a central refresher rotated in since the call read them), or 'fail'. Only a
     * token failure is retried, never more than twice, and one call causes at most one refresh:
     * the first retry follows a refresh (or, without auto-refresh, a rotation someone else
     * made); the second only another worker's rotation that overtook the first retry.
     */
    public static function after401(int $sends, bool $tokenFailure, bool $autoRefresh): string
    {
        if (!$tokenFailure || $sends >= 3) {
            return 'fail';
        }
        return $sends === 1 && $autoRefresh ? 'refresh' : 'reload';
    }

    /**
     * What the ledger does with what it just read from the store, which holds (`$store`):
     * 'unreadable', 'unusable' (content nobody can use), 'foreign' (another origin's or app's
     * session: not ours), 'empty' (no tokens; a fenced store: no key), 'replaced' (what our
     * unsaved tokens replace), 'older' (other tokens, issued before ours) or 'other' (tokens
     * written since). Returns 'keep' (go on with the tokens in memory), 'raise' (the read's
     * error), 'reseed' (write ours back into a lost key: the first writer wins), 'write' (write
     * the unsaved tokens; a fenced store takes them only over the generation they replace,
     * whatever the clocks say) or 'adopt' (use the store's).
     */
    public static function afterRead(bool $fenced, string $store, bool $held, bool $unsaved): string
    {
        if ($store === 'unreadable') {
            return $held ? 'keep' : 'raise';
        }
        if ($store === 'unusable') {
            return $unsaved ? 'write' : 'raise';
        }
        if ($fenced && $store === 'empty' && ($held || $unsaved)) {
            return 'reseed';
        }
        if (!$unsaved) {
            return 'adopt';
        }
        return $store === 'other' && !$fenced ? 'adopt' : 'write';
    }
}
