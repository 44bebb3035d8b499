<?php
// Copied verbatim from templates/php/src/AuthorizationRequest.php by rcsdk's generator.
// Do not edit: change templates/php/src/AuthorizationRequest.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/** An authorization URL and what the code exchange will need from it. */
final class AuthorizationRequest
{
    public function __construct(
        /** Send the user's browser here. */
        public readonly string $url,
        /** Compare it with the `state` the redirect URI receives (CSRF protection). */
        public readonly string $state,
        /** Pass it to loginAuthCode() with the code. */
        #[\SensitiveParameter] public readonly string $codeVerifier,
        /** The redirect URI in the URL, to pass to loginAuthCode() too. */
        public readonly ?string $redirectUri = null,
    ) {
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['url' => $this->url, 'state' => $this->state, 'codeVerifier' => Redactor::REDACTED, 'redirectUri' => $this->redirectUri];
    }

    public function __toString(): string
    {
        return $this->url;
    }
}
