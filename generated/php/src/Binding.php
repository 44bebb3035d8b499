<?php
// Copied verbatim from templates/php/src/Binding.php by rcsdk's generator.
// Do not edit: change templates/php/src/Binding.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Whose session auth data holds: the server origin (`scheme://host:port`) and the app key it
 * was issued for (the rule of Python's Binding and JavaScript's). A platform uses only the
 * sessions bound to its own; data saved without a binding (by an rcsdk before it) is taken once
 * and saved back bound.
 */
final class Binding
{
    public function __construct(public readonly string $origin, public readonly string $appKey)
    {
    }

    /** @return array<string, string> */
    public function fields(): array
    {
        return [Constants::AUTH_DATA_ORIGIN => $this->origin, Constants::AUTH_DATA_APP_KEY => $this->appKey];
    }

    /** @return array{mixed, mixed}|null the origin and app key `$data` records when it is another's session */
    public function other(mixed $data): ?array
    {
        if (!is_array($data) || (!array_key_exists(Constants::AUTH_DATA_ORIGIN, $data) && !array_key_exists(Constants::AUTH_DATA_APP_KEY, $data))) {
            return null;
        }
        $theirs = [$data[Constants::AUTH_DATA_ORIGIN] ?? null, $data[Constants::AUTH_DATA_APP_KEY] ?? null];
        return $theirs === [$this->origin, $this->appKey] ? null : $theirs;
    }

    /** Whether `$data` is a session saved without a binding (by an earlier rcsdk). */
    public function unbound(mixed $data): bool
    {
        return is_array($data) && $data !== []
            && !array_key_exists(Constants::AUTH_DATA_ORIGIN, $data) && !array_key_exists(Constants::AUTH_DATA_APP_KEY, $data);
    }

    /** @param array{mixed, mixed} $theirs */
    public function refusal(string $where, array $theirs): SessionOriginError
    {
        return new SessionOriginError(
            "{$where} holds the session of " . self::plain($theirs[0]) . ' (app key ' . self::plain($theirs[1])
            . "), not of this platform ({$this->origin}, app key " . self::plain($this->appKey) . '): its tokens are '
            . 'not sent here and it is left as it is; log in to start a session for this platform'
        );
    }

    /** How a message names a store: its file where it has one, else its class. */
    public static function storeName(TokenStore $store): string
    {
        return 'token store ' . ($store instanceof FileTokenStore ? $store->path : get_debug_type($store));
    }

    /** A value read from a store, for a message: printable ASCII, cut short. */
    private static function plain(mixed $value, int $limit = 80): string
    {
        $text = (string) preg_replace('/[^\x20-\x7e]/', '?', is_scalar($value) ? (string) $value : ($value === null ? 'None' : get_debug_type($value)));
        return strlen($text) <= $limit ? $text : substr($text, 0, $limit - 3) . '...';
    }
}
