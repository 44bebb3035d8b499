<?php
// Copied verbatim from templates/php/src/AuthState.php by rcsdk's generator.
// Do not edit: change templates/php/src/AuthState.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * A token response and when its tokens expire (seconds since the epoch).
 *
 * Expiry times are computed once, when the tokens arrive, and stored as they are: restoring saved
 * auth data never recomputes them from expires_in. toJson() is the auth data format that the
 * Python and JavaScript clients read and write too.
 */
final class AuthState
{
    /** The margin dueAt was worked out for, and when the access token is due with it. */
    private ?float $dueMargin = null;
    private float $dueAt = INF;

    public function __construct(
        public readonly TokenInfo $token,
        public readonly int|float|null $expiresAt,
        public readonly int|float|null $refreshTokenExpiresAt,
    ) {
    }

    /**
     * The tokens of a token request sent at `$now`: their lifetime counts from the request, not
     * from the answer, so an answer read late (a process paused, a slow network) never makes
     * them look younger than they are (docs/FLEET.md). A lifetime that is not a positive number
     * of seconds (`expires_in: 0`, `-5`, absurdly large) is unknown: the token is used until
     * the platform rejects it, then refreshed once.
     */
    public static function issued(TokenInfo $token, float $now): self
    {
        return new self(
            $token,
            Decide::expiry($now, $token->expiresIn),
            $token->refreshToken !== null && $token->refreshToken !== ''
                ? Decide::expiry($now, $token->refreshTokenExpiresIn) : null,
        );
    }

    /** Whether the access token expires within `$margin` seconds (Decide::accessDue). */
    public function accessDue(float $now, float $margin): bool
    {
        if ($margin !== $this->dueMargin) {
            // Worked out once per margin: a platform asks this before every call.
            $this->dueMargin = $margin;
            $this->dueAt = Decide::dueAt($this->expiresAt, $this->token->expiresIn, $margin);
        }
        return $now >= $this->dueAt;
    }

    public function canRefresh(float $now): bool
    {
        return Decide::canRefresh($this->token->refreshToken, $this->refreshTokenExpiresAt, $now);
    }

    /** Whether these tokens can still authorize a call, directly or after a refresh. */
    public function usable(float $now): bool
    {
        return !$this->accessDue($now, 0.0) || $this->canRefresh($now);
    }

    /** When the tokens were issued (from the access token's expiry and lifetime), if known. */
    public function issuedAt(): int|float|null
    {
        $lifetime = Decide::lifetime($this->token->expiresIn);
        return $this->expiresAt !== null && $lifetime !== null ? $this->expiresAt - $lifetime : null;
    }

    /**
     * Whether these tokens were issued after `$other` (a later rotation). Unknown issue times:
     * known beats unknown (a grace answer for an expired token has no lifetime).
     */
    public function issuedAfter(self $other): bool
    {
        $mine = $this->issuedAt();
        $theirs = $other->issuedAt();
        return $theirs === null ? $mine !== null : $mine !== null && $mine > $theirs;
    }

    /** @return array<string, mixed> */
    public function toJson(): array
    {
        return [
            'version' => Constants::AUTH_DATA_VERSION,
            'token' => $this->token->toJson(),
            'expires_at' => $this->expiresAt,
            'refresh_token_expires_at' => $this->refreshTokenExpiresAt,
        ];
    }

    /** Read saved auth data; `[]` or null mean "no tokens". */
    public static function fromJson(mixed $data): ?self
    {
        if ($data === null || $data === []) {
            return null;
        }
        if (!Read::isMap($data)) {
            throw new AuthDataError('auth data must be an array (a JSON object), not ' . get_debug_type($data));
        }
        /** @var array<string, mixed> $data */
        $version = $data['version'] ?? null;
        if ($version !== Constants::AUTH_DATA_VERSION) {
            $shown = is_scalar($version) ? var_export($version, true) : get_debug_type($version);
            throw new AuthDataError(
                "auth data has version {$shown}; this rcsdk reads version " . Constants::AUTH_DATA_VERSION
                . ' (saved by a different rcsdk? log in again to replace it)'
            );
        }
        try {
            $token = TokenInfo::fromJson($data['token'] ?? null);
        } catch (\UnexpectedValueException $error) {
            throw new AuthDataError('auth data holds no usable token: ' . $error->getMessage());
        }
        return new self($token, self::time($data, 'expires_at'), self::time($data, 'refresh_token_expires_at'));
    }

    /** @param array<string, mixed> $data */
    private static function time(array $data, string $key): int|float|null
    {
        $value = $data[$key] ?? null;
        if ($value === null) {
            return null;
        }
        if (!(is_int($value) && abs($value) <= 2 ** 53) && !(is_float($value) && is_finite($value))) {
            throw new AuthDataError("auth data field '{$key}' must be a number (seconds) or null");
        }
        return $value;
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['token' => $this->token, 'expiresAt' => $this->expiresAt, 'refreshTokenExpiresAt' => $this->refreshTokenExpiresAt];
    }
}
