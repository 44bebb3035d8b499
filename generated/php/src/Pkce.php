<?php
// Copied verbatim from templates/php/src/Pkce.php by rcsdk's generator.
// Do not edit: change templates/php/src/Pkce.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/** PKCE (RFC 7636): a random verifier and its S256 challenge. */
final class Pkce
{
    public static function verifier(): string
    {
        return self::base64url(random_bytes(48));
    }

    public static function challenge(string $verifier): string
    {
        return self::base64url(hash('sha256', $verifier, true));
    }

    public static function state(): string
    {
        return self::base64url(random_bytes(16));
    }

    public static function base64url(string $bytes): string
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }
}
